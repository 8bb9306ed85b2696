import { allows } from './access.guard';
import { KeyPrincipal, UserPrincipal } from './principal';

const user = (role: UserPrincipal['role'], extra: Partial<UserPrincipal> = {}): UserPrincipal => ({
  kind: 'user',
  userId: 'u1',
  username: 'u',
  role,
  departmentCode: null,
  districtCode: null,
  institutionId: null,
  uscc: null,
  ...extra,
});
const key = (scopes: KeyPrincipal['scopes']): KeyPrincipal => ({
  kind: 'key',
  keyId: 'k1',
  prefix: 'qck_000000000000',
  institutionId: 'i1',
  departmentCode: 'PBOC',
  scopes,
  rateLimitPerMinute: 10,
});

describe('allows', () => {
  it('grants a role only to that role', () => {
    expect(allows(['regulator', 'admin'], user('admin'), {})).toBe(true);
    expect(allows(['regulator', 'admin'], user('reviewer'), {})).toBe(false);
  });

  it('grants enterprise:own only for the enterprise named in the path, in any case', () => {
    const own = user('enterprise', { uscc: '91330100799655058B' });
    expect(allows(['enterprise:own'], own, { uscc: '91330100799655058b' })).toBe(true);
    expect(allows(['enterprise:own'], own, { uscc: '91110000802100433B' })).toBe(false);
    expect(allows(['enterprise:own'], own, {})).toBe(false);
    expect(
      allows(['enterprise:own'], user('regulator', { uscc: '91330100799655058B' }), { uscc: '91330100799655058B' }),
    ).toBe(false);
  });

  it('grants a scope only to a key that holds it, and never a role to a key', () => {
    expect(allows(['scope:status:read'], key(['status:read']), {})).toBe(true);
    expect(allows(['scope:status:read'], key(['feed:read']), {})).toBe(false);
    expect(
      allows(['admin', 'institution'], key(['status:read', 'batch:read', 'feed:read', 'webhooks:manage']), {}),
    ).toBe(false);
    expect(allows(['scope:status:read'], user('institution'), {})).toBe(false);
  });
});

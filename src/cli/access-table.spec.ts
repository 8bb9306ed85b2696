import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRoutes, accessTable, verdict } from './access-table';

describe('docs/access.md', () => {
  it('is up to date with the @Access declarations (run `npm run docs:access`)', () => {
    expect(readFileSync(join(__dirname, '../../docs/access.md'), 'utf8')).toBe(accessTable());
  });

  it('declares access on every route', () => {
    const undeclared = accessRoutes().filter((r) => r.grants.length === 0);
    expect(undeclared).toEqual([]);
  });

  it('derives each verdict from the grants', () => {
    expect(verdict(['public'], 'anonymous')).toBe('✓');
    expect(verdict(['login'], 'anonymous')).toBe('✓');
    expect(verdict(['admin'], 'anonymous')).toBe('401');
    expect(verdict(['admin'], 'regulator')).toBe('403');
    expect(verdict(['regulator', 'enterprise:own'], 'enterprise')).toBe('own');
    expect(verdict(['scope:feed:read'], 'key in scope')).toBe('✓');
    expect(verdict(['scope:feed:read'], 'key out of scope')).toBe('403');
    expect(verdict(['admin'], 'key in scope')).toBe('403');
  });
});

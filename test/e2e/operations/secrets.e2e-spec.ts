import { CODES, createEnterprise } from '../../helpers/fixtures';
import { ADMIN, TestApp } from '../../helpers/test-app';

describe('secrets and personal data stay out of logs and responses', () => {
  let t: TestApp;
  const logs: string[] = [];

  beforeAll(async () => {
    t = await TestApp.start(
      __filename,
      { LOG_LEVEL: 'trace' },
      { logDestination: { write: (line: string) => void logs.push(line) } },
    );
  });
  afterAll(() => t.close());

  it('never writes a password, token, key or legal representative to the log', async () => {
    const responses: string[] = [];
    const call = async (options: Parameters<TestApp['request']>[0]) => {
      const res = await t.request(options);
      responses.push(res.body);
      return res;
    };
    const admin = (await call({ method: 'POST', url: '/api/v1/auth/login', body: ADMIN })).json().accessToken as string;
    await call({
      method: 'POST',
      url: '/api/v1/auth/login',
      body: { username: 'admin', password: 'a-wrong-password-42' },
    });
    const userPassword = 'user-secret-password-7';
    await call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username: 'amr.s', password: userPassword, role: 'regulator', departmentCode: 'AMR' },
    });
    await call({
      method: 'POST',
      url: '/api/v1/users',
      token: admin,
      body: { username: 'x', password: 'short-pass', role: 'regulator' },
    });
    await createEnterprise(t, admin, CODES.wenzhouLike, { legalRepresentative: '欧阳娜娜' });
    const institution = (
      await call({
        method: 'POST',
        url: '/api/v1/institutions',
        token: admin,
        body: { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' },
      })
    ).json();
    const created = await t.request({
      method: 'POST',
      url: `/api/v1/institutions/${institution.id}/api-keys`,
      token: admin,
      body: { scopes: ['status:read'] },
    });
    const key: string = created.json().key;
    await call({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': key } });
    await call({ method: 'GET', url: '/api/v1/api-keys/current', headers: { 'x-api-key': `${key}x` } });
    await call({ method: 'DELETE', url: `/api/v1/api-keys/${created.json().id}`, token: admin });
    await call({ method: 'GET', url: '/api/v1/audit/events?pageSize=500', token: admin });
    await call({ method: 'GET', url: `/api/v1/institutions/${institution.id}/api-keys`, token: admin });

    const log = logs.join('');
    expect(logs.length).toBeGreaterThan(10); // the capture works: there is something to search
    expect(log).toContain('/api/v1/users');
    for (const secret of [
      ADMIN.password,
      'a-wrong-password-42',
      userPassword,
      'short-pass',
      admin,
      key,
      key.slice('qck_0123456789ab_'.length), // the secret part (base64url, which may itself hold '_')
      '欧阳娜娜',
      '$argon2',
    ]) {
      expect({ secret, inLog: log.includes(secret) }).toEqual({ secret, inLog: false });
    }
    const answered = responses.join('');
    for (const secret of [ADMIN.password, 'a-wrong-password-42', userPassword, 'short-pass', key, '$argon2']) {
      expect({ secret, inResponses: answered.includes(secret) }).toEqual({ secret, inResponses: false });
    }
  });
});

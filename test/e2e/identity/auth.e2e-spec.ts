import { TestApp, ADMIN } from '../../helpers/test-app';

describe('login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(__filename);
  });
  afterAll(() => t.close());

  const login = (body: unknown) => t.request({ method: 'POST', url: '/api/v1/auth/login', body });

  it('logs the bootstrap administrator in with a short-lived bearer token', async () => {
    const res = await login(ADMIN);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { username: 'admin', role: 'admin', departmentCode: null },
    });
  });

  it('stores the administrator password hashed with argon2id, and creates the administrator once', async () => {
    const rows = await t.sql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'admin'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(rows[0].password_hash).not.toContain(ADMIN.password);
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    const wrong = await login({ ...ADMIN, password: 'not-the-password' });
    const unknown = await login({ username: 'nobody', password: 'whatever-it-is' });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().detail).toBe('Unknown user name or wrong password');
      expect(res.body).not.toContain('not-the-password');
    }
  });

  it('validates the body', async () => {
    const res = await login({ username: 'admin' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'password', message: expect.any(String) }]);
  });

  it('keeps the generated signing secret in the database, so every replica agrees', async () => {
    const rows = await t.sql<{ value: string }>(`SELECT value FROM app_settings WHERE key = 'jwt_secret'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].value.length).toBeGreaterThanOrEqual(64);
  });
});

import { Client } from 'pg';
import { seedDemo, SeedSummary } from '../src/cli/seed-demo';
import { checkUscc } from '../src/common/uscc';
import { RECORD_TYPES } from '../src/records/record-rules';
import { cloneTemplate, dropDatabase, testDatabaseUrl, uniqueName } from './helpers/databases';
import { TestApp } from './helpers/test-app';

const ENTERPRISES = 300;

/** Digests of the seeded enterprises and records, to compare two seeds. */
const DIGESTS = `
  SELECT (SELECT md5(string_agg(concat_ws('|', uscc, name, district_code, industry_code, legal_representative,
                                          address, registered_on, status), E'\\n' ORDER BY id))
            FROM enterprises) AS enterprises,
         (SELECT md5(string_agg(concat_ws('|', r.id, e.uscc, r.type, r.severity, r.occurred_on, r.document_no,
                                          r.summary, r.hotline, r.handled_by, r.disclosed, r.department_code,
                                          r.supersedes_id, r.correction, r.correction_reason), E'\\n' ORDER BY r.id))
            FROM credit_records r JOIN enterprises e ON e.id = r.enterprise_id) AS records`;

describe('npm run seed:demo', () => {
  let t: TestApp;
  let summary: SeedSummary;
  const output: string[] = [];

  const count = async (table: string) =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const demoLogin = (username: string) => {
    const login = summary.logins.find((l) => l.username === username);
    if (!login) throw new Error(`no demo login ${username}`);
    return t.login(login.username, login.password);
  };
  const enterpriseUscc = async () =>
    (await t.sql<{ uscc: string }>(`SELECT uscc FROM users WHERE username = 'demo.enterprise'`))[0].uscc;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    summary = await seedDemo({ DATABASE_URL: t.config.DATABASE_URL }, (line) => output.push(line), {
      enterprises: ENTERPRISES,
    });
  });
  afterAll(() => t.close());

  it('reports what it added, with row counts and the demo logins', async () => {
    expect(summary.seeded).toBe(true);
    expect(summary.counts.enterprises).toBe(ENTERPRISES);
    expect(summary.counts.credit_records).toBe(await count('credit_records'));
    expect(output[0]).toMatch(/^seed:demo: added 300 enterprises, \d+ records, \d+ corrections and 6 users/);
    expect(output.join('\n')).toMatch(/credit_records\s+\d+/);
  });

  it('lets every demo user log in with the printed password, in the right role', async () => {
    const expected: Record<string, string> = {
      'demo.admin': 'admin',
      'demo.regulator': 'regulator',
      'demo.regulator.lucheng': 'regulator',
      'demo.reviewer': 'reviewer',
      'demo.institution': 'institution',
      'demo.enterprise': 'enterprise',
    };
    expect(summary.logins.map((l) => l.username).sort()).toEqual(Object.keys(expected).sort());
    for (const { username, password } of summary.logins) {
      expect(password.length).toBeGreaterThanOrEqual(12);
      const printed = output.find((line) => line.trim().startsWith(`${username} `));
      expect(printed?.split(/\s+/)).toContain(password);
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/login', body: { username, password } });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ username, role: expected[username] });
    }
    const bindings = await t.sql(
      `SELECT u.username, u.department_code, u.district_code, u.uscc, i.name AS institution, i.kind
         FROM users u LEFT JOIN institutions i ON i.id = u.institution_id ORDER BY u.username`,
    );
    expect(bindings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'demo.regulator', department_code: 'QTS', district_code: null }),
        expect.objectContaining({
          username: 'demo.regulator.lucheng',
          department_code: 'QTS',
          district_code: '330302',
        }),
        expect.objectContaining({ username: 'demo.reviewer', department_code: 'AMR' }),
        expect.objectContaining({ username: 'demo.institution', kind: 'bank' }),
        expect.objectContaining({ username: 'demo.enterprise', uscc: expect.any(String) }),
      ]),
    );
    expect(await t.sql(`SELECT kind, department_code FROM institutions ORDER BY kind`)).toEqual([
      { kind: 'bank', department_code: 'PBOC' },
      { kind: 'tax', department_code: 'STAX' },
    ]);
  });

  it('gives every enterprise a credit code that passes both checks', async () => {
    const rows = await t.sql<{ uscc: string; district_code: string }>(`SELECT uscc, district_code FROM enterprises`);
    expect(rows).toHaveLength(ENTERPRISES);
    const invalid = rows.filter((r) => !checkUscc(r.uscc).valid || r.uscc.slice(2, 8) !== r.district_code);
    expect(invalid).toEqual([]);
  });

  it('spreads enterprises over every district', async () => {
    const empty = await t.sql(
      `SELECT d.code FROM districts d WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.district_code = d.code)`,
    );
    expect(empty).toEqual([]);
  });

  it('records every type, about three per enterprise, within each enterprise’s life', async () => {
    const types = await t.sql<{ type: string }>(`SELECT DISTINCT type FROM credit_records ORDER BY type`);
    expect(types.map((r) => r.type)).toEqual([...RECORD_TYPES].sort());
    const originals = Number(
      (await t.sql<{ n: string }>(`SELECT count(*) AS n FROM credit_records WHERE supersedes_id IS NULL`))[0].n,
    );
    expect(originals / ENTERPRISES).toBeGreaterThan(2.5);
    expect(originals / ENTERPRISES).toBeLessThan(3.5);
    const outOfTime = await t.sql(
      `SELECT r.id FROM credit_records r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE r.occurred_on < e.registered_on OR r.occurred_on > current_date`,
    );
    expect(outOfTime).toEqual([]);
  });

  it('follows the record rules: hotlines, handlers, disclosure defaults, regulator departments', async () => {
    const wrong = await t.sql(
      `SELECT r.id FROM credit_records r LEFT JOIN hotlines h ON h.number = r.hotline
        WHERE (r.type = 'complaint_substantiated') <> (r.hotline IS NOT NULL)
           OR r.handled_by IS DISTINCT FROM h.handled_by
           OR r.disclosed <> (r.type NOT IN ('spot_check_pass', 'complaint_substantiated', 'certification'))
           OR r.department_code NOT IN ('QTS', 'AMR', 'EPB', 'HUD', 'TOUR', 'CIQ')`,
    );
    expect(wrong).toEqual([]);
    const corrections = await t.sql<{ correction: string }>(
      `SELECT DISTINCT correction FROM credit_records WHERE supersedes_id IS NOT NULL ORDER BY correction`,
    );
    expect(corrections.map((c) => c.correction)).toEqual(['amend', 'withdraw']);
  });

  it('lets the enterprise user read its own file and records, and nobody else’s', async () => {
    const uscc = await enterpriseUscc();
    const token = await demoLogin('demo.enterprise');
    const file = await t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}`, token });
    expect(file.statusCode).toBe(200);
    expect(file.json()).toMatchObject({ uscc, districtCode: '330302', status: 'active' });
    const records = await t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}/records`, token });
    expect(records.statusCode).toBe(200);
    expect(records.json().total).toBeGreaterThanOrEqual(3);
    expect(records.json().items[0]).toMatchObject({ uscc, state: expect.any(String) });
    const [other] = await t.sql<{ uscc: string }>(`SELECT uscc FROM enterprises WHERE uscc <> $1 LIMIT 1`, [uscc]);
    const foreign = await t.request({ method: 'GET', url: `/api/v1/enterprises/${other.uscc}`, token });
    expect(foreign.statusCode).toBe(403);
  });

  it('keeps the Lucheng regulator to Lucheng', async () => {
    const token = await demoLogin('demo.regulator.lucheng');
    const [inside] = await t.sql<{ uscc: string }>(
      `SELECT uscc FROM enterprises WHERE district_code = '330302' LIMIT 1`,
    );
    const [outside] = await t.sql<{ uscc: string }>(
      `SELECT uscc FROM enterprises WHERE district_code = '330382' LIMIT 1`,
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/enterprises/${inside.uscc}`, token })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/v1/enterprises/${outside.uscc}`, token })).statusCode).toBe(
      403,
    );
  });

  it('adds nothing when run again', async () => {
    const tables = ['users', 'institutions', 'enterprises', 'credit_records', 'change_events', 'audit_events'];
    const before = await Promise.all(tables.map(count));
    const lines: string[] = [];
    const again = await seedDemo({ DATABASE_URL: t.config.DATABASE_URL }, (line) => lines.push(line), {
      enterprises: ENTERPRISES,
    });
    expect(again.seeded).toBe(false);
    expect(lines[0]).toMatch(/already/);
    expect(await Promise.all(tables.map(count))).toEqual(before);
    expect(again.logins).toEqual(summary.logins);
  });

  it('writes the same data on every run', async () => {
    const name = uniqueName(`${__filename}-twin`);
    await cloneTemplate(name);
    try {
      await seedDemo({ DATABASE_URL: testDatabaseUrl(name) }, () => undefined, { enterprises: ENTERPRISES });
      const client = new Client({ connectionString: testDatabaseUrl(name) });
      await client.connect();
      const twin = await client.query(DIGESTS).finally(() => client.end());
      expect(twin.rows).toEqual(await t.sql(DIGESTS));
    } finally {
      await dropDatabase(name);
    }
  });

  it('leaves one audit entry and an intact chain', async () => {
    const entries = await t.sql(`SELECT actor_type, actor_name, entity_type, entity_id FROM audit_events
                                   WHERE action = 'demo.seed'`);
    expect(entries).toEqual([
      { actor_type: 'system', actor_name: 'seed:demo', entity_type: 'database', entity_id: t.databaseName },
    ]);
    const token = await demoLogin('demo.admin');
    const res = await t.request({ method: 'GET', url: '/api/v1/audit/verify', token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ valid: true, length: await count('audit_events') });
  });
});

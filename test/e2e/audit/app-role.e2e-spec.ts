import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { prepareDatabase } from '../../../src/database/prepare-database';
import { dropRole, roleExists } from '../../helpers/databases';
import { CODES, createEnterprise, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** Tables a `refuse_change` trigger guards (written once, never changed): these at least. */
const APPEND_ONLY = [
  'audit_events',
  'audit_checkpoints',
  'credit_records',
  'blacklist_transitions',
  'credit_queries',
  'issued_reports',
];

/**
 * The app as the least-privilege role: a login in `qc_app` (DATABASE_APP_URL) can run the
 * application, but cannot change append-only rows, disable their triggers, or become the owner.
 */
describe('the application database role', () => {
  let t: TestApp;
  let login: string;
  let appUrl: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    login = `${t.databaseName}_app`.slice(0, 63);
    await t.sql(`CREATE ROLE "${login}" LOGIN IN ROLE qc_app`);
    const url = new URL(t.config.DATABASE_URL);
    url.username = login;
    appUrl = url.toString();
  });
  afterAll(async () => {
    await t.close();
    // Through the server's admin database: the test's own is gone, and with it t.sql.
    await dropRole(login);
    expect(await roleExists(login)).toBe(false);
  });

  const asApp = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: appUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  it('refuses UPDATE, DELETE, TRUNCATE and DISABLE TRIGGER on every append-only table', async () => {
    const guarded = (
      await t.sql<{ name: string }>(
        `SELECT DISTINCT tgrelid::regclass::text AS name FROM pg_trigger WHERE tgfoid = 'refuse_change'::regproc`,
      )
    ).map((r) => r.name);
    expect(guarded).toEqual(expect.arrayContaining(APPEND_ONLY));
    for (const table of guarded) await refusedOn(table);
  });

  const refusedOn = (table: string) =>
    asApp(async (client) => {
      const refused = async (sql: string, message: RegExp) =>
        expect(client.query(sql)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(message) });
      const [column] = (
        await client.query(
          `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
              AND attidentity = '' AND attgenerated = '' ORDER BY attnum LIMIT 1`,
          [table],
        )
      ).rows;
      await refused(`UPDATE ${table} SET ${column.attname} = ${column.attname}`, /permission denied/);
      await refused(`DELETE FROM ${table}`, /permission denied/);
      await refused(`TRUNCATE ${table}`, /permission denied/);
      await refused(`ALTER TABLE ${table} DISABLE TRIGGER USER`, /must be owner/);
      await expect(client.query(`SELECT count(*) FROM ${table}`)).resolves.toBeDefined();
    });

  it('cannot become the owner or a superuser, drop a trigger, or unrecord a migration', async () => {
    await asApp(async (client) => {
      await expect(client.query(`SET ROLE postgres`)).rejects.toMatchObject({ code: '42501' });
      await expect(client.query(`ALTER ROLE qc_app SUPERUSER`)).rejects.toMatchObject({ code: '42501' });
      await expect(client.query(`DELETE FROM migrations`)).rejects.toMatchObject({ code: '42501' });
      await expect(client.query(`DROP TRIGGER audit_events_append_only ON audit_events`)).rejects.toMatchObject({
        code: '42501',
      });
    });
  });

  it("cannot move the chain's head, set its sequence, take pending entries or adopt rows: the chain's functions do that as the owner", async () => {
    await asApp(async (client) => {
      const refused = (sql: string) => expect(client.query(sql)).rejects.toMatchObject({ code: '42501' });
      await refused(`UPDATE audit_chain_head SET hash = repeat('0', 64)`);
      await refused(`SELECT setval('audit_events_seq', 1)`);
      await refused(`SELECT nextval('audit_events_seq')`);
      await refused(`DELETE FROM audit_pending`);
      await refused(`UPDATE audit_pending SET actor_name = 'x'`);
      await refused(`INSERT INTO audit_adopted (table_name, key) VALUES ('departments', 'FAKE')`);
      // Yet it writes entries, directly and through audit_pending, and they are chained.
      await client.query(
        `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id) VALUES ('system', 'role', 'test.direct', 'test', '1')`,
      );
      await client.query(
        `INSERT INTO audit_pending (actor_type, actor_name, action, entity_type, entity_id) VALUES ('system', 'role', 'test.pending', 'test', '2')`,
      );
      await client.query(`SELECT audit_chain_pending()`);
    });
    expect(await t.sql(`SELECT action FROM audit_events WHERE entity_type = 'test' ORDER BY seq`)).toEqual([
      { action: 'test.direct' },
      { action: 'test.pending' },
    ]);
    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_pending`)).toEqual([{ n: 0 }]);
  });

  it('warns at start when the app runs as a superuser or the owner, not as the app login', async () => {
    const started = async (env: NodeJS.ProcessEnv) => {
      const logs: string[] = [];
      const app = await t.replica(
        { logDestination: { write: (line: string) => void logs.push(line) } },
        { ...env, LOG_LEVEL: 'warn' },
      );
      await app.close();
      return logs.map((l) => JSON.parse(l).msg as string).filter((m) => /database sessions/.test(m));
    };
    expect(await started({})).toEqual([expect.stringContaining('(postgres) are a superuser')]);
    expect(await started({ DATABASE_APP_URL: appUrl })).toEqual([]);
  });

  it('starts as the app login alone once the owner has migrated (nothing pending, nothing to alter)', async () => {
    await expect(prepareDatabase(appUrl)).resolves.toEqual([]);
  });

  it('runs the application: writes are chained and verify', async () => {
    const app = await t.replica({}, { DATABASE_APP_URL: appUrl });
    try {
      expect(await app.app.get(DataSource).query(`SELECT current_user AS who`)).toEqual([{ who: login }]);
      const admin = await app.loginAdmin();
      await createEnterprise(app, admin, CODES.wenzhouLike);
      const regulator = await createUser(app, admin, {
        username: 'role.regulator',
        password: 'regulator-pass-1',
        role: 'regulator',
        departmentCode: 'AMR',
      });
      const record = await app.request({
        method: 'POST',
        url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
        token: regulator,
        body: {
          type: 'certification',
          occurredOn: '2026-03-12',
          documentNo: '温认证〔2026〕0002号',
          summary: '质量管理体系认证',
          disclosed: true,
        },
      });
      expect(record.statusCode).toBe(201);
      const checkpoint = await app.request({ method: 'POST', url: '/api/v1/audit/checkpoints', token: admin });
      expect(checkpoint.statusCode).toBe(201);
      const verified = await app.request({ method: 'GET', url: '/api/v1/audit/verify', token: admin });
      expect(verified.json()).toEqual({ valid: true, length: expect.any(Number) });
      expect(verified.json().length).toBeGreaterThanOrEqual(checkpoint.json().length); // a regrading may add one
    } finally {
      await app.close();
    }
  });
});

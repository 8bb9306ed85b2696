import { dropRole } from '../../helpers/databases';
import { CODES, createEnterprise, createKey } from '../../helpers/fixtures';
import { TestClock } from '../../helpers/clock';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/**
 * The query log's months as a running app keeps them: the worker adds the months ahead at start
 * (its catch-up run, through the maintenance queue), and lookups logged in different months are
 * read back by `GET …/queries` as one list, across partitions, as before the log was partitioned.
 */
describe('the query log by month, in the app', () => {
  const clock = new TestClock(new Date('2032-05-10T02:00:00Z'));
  let t: TestApp;
  let admin: string;
  let key: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike);
    key = (await createKey(t, admin, ['status:read'])).key;
  });
  afterAll(async () => {
    await t.close();
    if (login) await dropRole(login);
  });
  let login: string | undefined;

  const monthsOf = async () =>
    (
      await t.sql<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'credit_queries'::regclass AND c.relname LIKE 'credit_queries_2032%' ORDER BY 1`,
      )
    ).map((r) => r.name);

  it('adds this month and three ahead when a worker starts, and logs and lists lookups across them', async () => {
    await until('the months ahead', async () => (await monthsOf()).length === 4 || undefined);
    expect(await monthsOf()).toEqual([
      'credit_queries_2032_05',
      'credit_queries_2032_06',
      'credit_queries_2032_07',
      'credit_queries_2032_08',
    ]);
    // qc_app reads and inserts into each as into the months the migration made; nothing more.
    await expect(
      t.sql(
        `SELECT c.relname AS name,
                has_table_privilege('qc_app', c.oid, 'SELECT') AND has_table_privilege('qc_app', c.oid, 'INSERT') AS writes,
                has_table_privilege('qc_app', c.oid, 'UPDATE, DELETE, TRUNCATE') AS changes
           FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE 'credit_queries_2032%' ORDER BY 1`,
      ),
    ).resolves.toEqual((await monthsOf()).map((name) => ({ name, writes: true, changes: false })));

    const lookUp = () =>
      t.request({
        method: 'GET',
        url: `/api/v1/credit-status/${CODES.wenzhouLike}?purpose=loan_review`,
        headers: { 'x-api-key': key },
      });
    expect((await lookUp()).statusCode).toBe(200);
    clock.set('2032-06-01T00:30:00Z'); // 08:30 on 1 June in Beijing
    expect((await lookUp()).statusCode).toBe(200);

    await expect(
      t.sql(`SELECT tableoid::regclass::text AS month, asked_at FROM credit_queries ORDER BY id`),
    ).resolves.toEqual([
      { month: 'credit_queries_2032_05', asked_at: new Date('2032-05-10T02:00:00Z') },
      { month: 'credit_queries_2032_06', asked_at: new Date('2032-06-01T00:30:00Z') },
    ]);
    admin = await t.loginAdmin(); // the first session's token expired in the weeks the clock moved
    const listed = await t.request({
      method: 'GET',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/queries`,
      token: admin,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({
      items: [
        { institution: '温州银行', purpose: 'loan_review', askedAt: '2032-06-01T00:30:00.000Z' },
        { institution: '温州银行', purpose: 'loan_review', askedAt: '2032-05-10T02:00:00.000Z' },
      ],
      total: 2,
    });
  });

  it('says at a worker start, once and naming DATABASE_URL, that a qc_app login cannot keep the months, and runs on', async () => {
    login = `${t.databaseName}_app`.slice(0, 63);
    await t.sql(`CREATE ROLE "${login}" LOGIN IN ROLE qc_app`);
    const url = new URL(t.config.DATABASE_URL);
    url.username = login;
    const started = async (env: NodeJS.ProcessEnv) => {
      const logs: { msg: string; context?: string; level: number }[] = [];
      const app = await t.replica(
        { logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) } },
        { ...env, LOG_LEVEL: 'warn' },
      );
      try {
        expect((await app.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      } finally {
        await app.close();
      }
      return logs.filter((l) => l.context === 'QueryLogProcessor').map((l) => ({ level: l.level, msg: l.msg }));
    };

    // The api's setting on a worker: DATABASE_URL the login (and no owner at all).
    expect(await started({ DATABASE_URL: url.toString() })).toEqual([
      {
        level: 50,
        msg: expect.stringMatching(
          new RegExp(`^DATABASE_URL: ${login} is not the owner of credit_queries \\(postgres\\)`),
        ),
      },
    ]);
    // As the design has it: the owner in DATABASE_URL, the login in DATABASE_APP_URL.
    expect(await started({ DATABASE_APP_URL: url.toString() })).toEqual([]);
  });
});

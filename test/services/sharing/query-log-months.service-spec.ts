import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { QueryLogPartitions1765750000000 } from '../../../migrations/1765750000000-QueryLogPartitions';
import { dataSourceOptions } from '../../../src/database/data-source';
import { withOwnerSession } from '../../../src/database/owner-session';
import { CreditQueriesRepository } from '../../../src/sharing/credit-queries.repository';
import { QueryLogPartitionsRepository } from '../../../src/sharing/query-log/query-log-partitions.repository';
import { QUERY_LOG_ARCHIVE_DIR, QueryLogService } from '../../../src/sharing/query-log/query-log.service';
import { SharingModule } from '../../../src/sharing/sharing.module';
import { TestClock } from '../../helpers/clock';
import { ServiceContext } from '../../helpers/service-context';

const INSTITUTION = '00000000-0000-4000-8000-000000000001';
const KEY = '00000000-0000-4000-8000-000000000002';
const USCC = '91330300MA2846XG0H';
const OTHER = '91330300MA2846XH0M';
const BULK = '91330300MA2846XJ0X';

/**
 * The query log's months on a real database: months added ahead as a clock the test moves says,
 * old months detached, archived (gzip CSV and SHA-256 in EXPORT_DIR) and dropped, recent rows and
 * the reads over them untouched; and the migration that partitions a table that has rows. The
 * months are in 2031, clear of the ones the template's migration added (the real current month).
 */
describe('the query log by month', () => {
  const clock = new TestClock(new Date('2031-03-15T04:00:00Z'));
  let s: ServiceContext;
  let queryLog: QueryLogService;

  beforeAll(async () => {
    s = await ServiceContext.start(__filename, [SharingModule], {
      clock,
      env: { QUERY_LOG_RETENTION_MONTHS: '3' },
    });
    queryLog = s.get(QueryLogService);
  });
  afterAll(() => s?.close());

  /** Logs a look-up of `uscc` at `askedAt` as the lookups do (through the parent table); returns its id. */
  async function logged(uscc: string, askedAt: string): Promise<string> {
    const [{ id }] = await s.sql<{ id: string }>(
      `INSERT INTO credit_queries (institution_id, api_key_id, purpose, uscc, asked_at)
       VALUES ($1, $2, 'loan_review', $3, $4) RETURNING id::text`,
      [INSTITUTION, KEY, uscc, askedAt],
    );
    return id;
  }

  const partitionOf = async (id: string) =>
    (await s.sql<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM credit_queries WHERE id = $1`, [id]))[0]?.p;

  it('converts a table that has rows without losing or changing one', async () => {
    const db = new DataSource({ ...dataSourceOptions(s.config.DATABASE_URL), extra: { max: 1 } });
    await db.initialize();
    const runner = db.createQueryRunner();
    try {
      const migration = new QueryLogPartitions1765750000000();
      await runner.startTransaction();
      await migration.down(runner);
      await runner.commitTransaction();
      // Rows in three months of the plain table, one on each side of a Beijing month's start.
      await logged(USCC, '2030-12-31T15:59:59Z');
      await logged(USCC, '2030-12-31T16:00:00Z');
      await logged(OTHER, '2031-02-10T09:30:00.123456Z');
      const before = await s.sql(`SELECT * FROM credit_queries ORDER BY id`);
      expect(before).toHaveLength(3);

      await runner.startTransaction();
      await migration.up(runner);
      await runner.commitTransaction();

      await expect(s.sql(`SELECT * FROM credit_queries ORDER BY id`)).resolves.toEqual(before);
      const ids = before.map((row) => String(row.id));
      expect(await Promise.all(ids.map(partitionOf))).toEqual([
        'credit_queries_2030_12',
        'credit_queries_2031_01',
        'credit_queries_2031_02',
      ]);
      // The identity goes on after the copied ids.
      expect(Number(await logged(USCC, '2031-02-11T00:00:00Z'))).toBeGreaterThan(Number(ids[2]));
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await db.destroy();
    }
  });

  it('adds the months ahead, and files rows logged before their month was added', async () => {
    const early = await logged(USCC, '2031-05-20T00:00:00Z'); // no partition yet: the DEFAULT
    expect(await partitionOf(early)).toBe('credit_queries_default');

    const [first, second] = await Promise.all([queryLog.keepMonths(), queryLog.keepMonths()]);

    // Two workers at once: the months are added once, by one of them.
    expect([...first.added, ...second.added].sort()).toEqual(['2031-03', '2031-04', '2031-05', '2031-06']);
    expect(await partitionOf(early)).toBe('credit_queries_2031_05');
    await expect(s.sql(`SELECT count(*)::int AS n FROM credit_queries_default`)).resolves.toEqual([{ n: 0 }]);
  });

  it("files a large DEFAULT partition in batches, never holding the log's lock for the copy, and archives its rows past retention", async () => {
    // 300 000 rows of a month with no partition (a job that did not run for months), and one of a
    // month past retention (kept: 2030-12 onwards).
    await s.sql(
      `INSERT INTO credit_queries (institution_id, api_key_id, purpose, uscc, asked_at)
       SELECT $1, $2, 'other', $3, '2031-08-10T00:00:00Z'::timestamptz + i * interval '1 ms' FROM generate_series(1, 300000) i`,
      [INSTITUTION, KEY, BULK],
    );
    const stale = await logged(BULK, '2030-06-15T00:00:00Z');
    await expect(s.sql(`SELECT count(*)::int AS n FROM credit_queries_default`)).resolves.toEqual([{ n: 300_001 }]);

    // Lookups log as the job runs; none waits on it for long.
    const lookup = new Client({ connectionString: s.config.DATABASE_URL });
    await lookup.connect();
    const waits: number[] = [];
    let running = true;
    const started = Date.now();
    const kept = queryLog.keepMonths().finally(() => (running = false));
    try {
      while (running) {
        const at = Date.now();
        await lookup.query(
          `INSERT INTO credit_queries (institution_id, api_key_id, purpose, uscc, asked_at) VALUES ($1, $2, 'other', $3, '2031-06-20T00:00:00Z')`,
          [INSTITUTION, KEY, BULK],
        );
        waits.push(Date.now() - at);
      }
    } finally {
      await lookup.end();
    }
    const { archived } = await kept;
    const took = Date.now() - started;

    expect(Math.max(...waits)).toBeLessThan(1000);
    expect(took).toBeGreaterThan(3 * Math.max(...waits)); // the copy itself took far longer
    await expect(
      s.sql(
        `SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM credit_queries WHERE uscc = $1 AND asked_at >= '2031-08-01' GROUP BY 1`,
        [BULK],
      ),
    ).resolves.toEqual([{ p: 'credit_queries_2031_08', n: 300_000 }]);
    await expect(s.sql(`SELECT count(*)::int AS n FROM credit_queries_default`)).resolves.toEqual([{ n: 0 }]);
    await expect(
      s.sql(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'credit_queries_filing%'`),
    ).resolves.toEqual([{ n: 0 }]);
    // The row past retention is archived, not made into an archived month again.
    expect(archived).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/^query-log\/credit_queries_filing_\d+\.csv\.gz$/),
        rows: 1,
      }),
    ]);
    await expect(s.sql(`SELECT count(*)::int AS n FROM credit_queries WHERE id = $1`, [stale])).resolves.toEqual([
      { n: 0 },
    ]);
    const gz = await readFile(join(s.config.EXPORT_DIR, archived[0].file));
    expect((parse(gunzipSync(gz), { columns: true }) as { id: string }[]).map((r) => r.id)).toEqual([stale]);
  }, 120_000);

  it('archives, checks and drops a month past retention, and leaves recent ones as they were', async () => {
    const old = [await logged(USCC, '2031-02-28T16:30:00Z'), await logged(OTHER, '2031-03-31T15:59:59Z')];
    const recent = await logged(USCC, '2031-06-01T00:00:00Z');
    const readsBefore = await s.get(CreditQueriesRepository).about(USCC, 100, 0);

    clock.set('2031-07-02T04:00:00Z'); // 3 months kept: 2031-04 onwards
    const { archived } = await queryLog.keepMonths();

    const march = archived.find((a) => a.month === '2031-03')!;
    expect(march).toMatchObject({ file: `${QUERY_LOG_ARCHIVE_DIR}/credit_queries_2031_03.csv.gz`, rows: 2 });
    // The earlier months (the migration's, the template's) are retired too, each with its rows.
    expect(archived.find((a) => a.month === '2031-02')).toMatchObject({ rows: 2 });
    // Timestamps to the microsecond, as stored.
    const february = parse(
      gunzipSync(await readFile(join(s.config.EXPORT_DIR, QUERY_LOG_ARCHIVE_DIR, 'credit_queries_2031_02.csv.gz'))),
      {
        columns: true,
      },
    ) as { asked_at: string }[];
    expect(february.map((r) => r.asked_at)).toContain('2031-02-10T09:30:00.123456Z');
    const dir = join(s.config.EXPORT_DIR, QUERY_LOG_ARCHIVE_DIR);
    const gz = await readFile(join(dir, 'credit_queries_2031_03.csv.gz'));
    expect(createHash('sha256').update(gz).digest('hex')).toBe(march.sha256);
    await expect(readFile(join(dir, 'credit_queries_2031_03.csv.gz.sha256'), 'utf8')).resolves.toBe(
      `${march.sha256}  credit_queries_2031_03.csv.gz\n`,
    );
    // The tool an operator would use agrees.
    const { stdout } = await promisify(execFile)('sha256sum', ['-c', 'credit_queries_2031_03.csv.gz.sha256'], {
      cwd: dir,
    });
    expect(stdout.trim()).toBe('credit_queries_2031_03.csv.gz: OK');
    const rows = parse(gunzipSync(gz), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({
        id: old[0],
        uscc: USCC,
        institution_id: INSTITUTION,
        api_key_id: KEY,
        user_id: '',
        asked_at: '2031-02-28T16:30:00.000000Z',
        as_of: '',
      }),
      expect.objectContaining({
        id: old[1],
        uscc: OTHER,
        purpose: 'loan_review',
        asked_at: '2031-03-31T15:59:59.000000Z',
      }),
    ]);
    expect(Object.keys(rows[0])).toEqual([
      'id',
      'institution_id',
      'api_key_id',
      'user_id',
      'purpose',
      'uscc',
      'asked_at',
      'as_of',
    ]);

    // Gone from the database, table and all; the recent month untouched, and read as before.
    await expect(
      s.sql(`SELECT count(*)::int AS n FROM credit_queries WHERE id = ANY($1::bigint[])`, [old]),
    ).resolves.toEqual([{ n: 0 }]);
    await expect(s.sql(`SELECT to_regclass('credit_queries_2031_03') AS t`)).resolves.toEqual([{ t: null }]);
    expect(await partitionOf(recent)).toBe('credit_queries_2031_06');
    const readsAfter = await s.get(CreditQueriesRepository).about(USCC, 100, 0);
    expect(readsAfter).toEqual(readsBefore.filter((q) => q.askedAt >= new Date('2031-03-31T16:00:00Z')));
    expect(readsAfter).toHaveLength(2);

    await expect(
      s.sql(`SELECT actor_type, entity_type, after_digest IS NOT NULL AS has_after FROM audit_events
              WHERE action = 'query-log.archive' AND entity_id = '2031-03'`),
    ).resolves.toEqual([{ actor_type: 'system', entity_type: 'query-log-month', has_after: true }]);
  });

  it('leaves the app role no way to delete a month, directly or through the parent', async () => {
    for (const table of ['credit_queries', 'credit_queries_2031_06', 'credit_queries_default']) {
      await expect(s.sql(`SET ROLE qc_app; DELETE FROM ${table}`)).rejects.toThrow(/permission denied/);
      await expect(s.sql(`SET ROLE qc_app; TRUNCATE ${table}`)).rejects.toThrow(/permission denied/);
    }
    await expect(
      s.sql(`SET ROLE qc_app; ALTER TABLE credit_queries DETACH PARTITION credit_queries_2031_06`),
    ).rejects.toThrow(/must be owner/);
  });

  it('finishes a month a crash left detached but not archived', async () => {
    const id = await logged(OTHER, '2031-04-10T00:00:00Z');
    // The app role's rights on every table, as each run of the migrations grants them.
    await s.sql(`SELECT grant_app_role()`);
    // What a run that died after the detach leaves behind; the app role has no right left on it.
    await withOwnerSession(s.config.DATABASE_URL, (owner) =>
      new QueryLogPartitionsRepository(owner).detach('credit_queries_2031_04'),
    );
    await expect(
      s.sql(`SELECT has_table_privilege('qc_app', 'credit_queries_2031_04', 'INSERT, SELECT') AS any`),
    ).resolves.toEqual([{ any: false }]);
    await expect(s.sql(`SELECT count(*)::int AS n FROM credit_queries WHERE id = $1`, [id])).resolves.toEqual([
      { n: 0 },
    ]);
    // A migration since then ran grant_app_role(), which gives qc_app every unguarded table.
    await s.sql(`SELECT grant_app_role()`);
    const rightsOn = async (table: string) =>
      (
        await s.sql<{ any: boolean }>(
          `SELECT has_table_privilege('qc_app', $1, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') AS any`,
          [table],
        )
      )[0].any;
    expect(await rightsOn('credit_queries_2031_04')).toBe(true);
    // The run takes them back before it reads the month for its archive.
    const rightsWhileRead: boolean[] = [];
    const rowsAfter = QueryLogPartitionsRepository.prototype.rowsAfter;
    const reading = jest.spyOn(QueryLogPartitionsRepository.prototype, 'rowsAfter').mockImplementation(async function (
      this: QueryLogPartitionsRepository,
      ...args
    ) {
      rightsWhileRead.push(await rightsOn(args[0]));
      return rowsAfter.apply(this, args);
    });

    const { archived } = await queryLog.keepMonths().finally(() => reading.mockRestore());

    expect(rightsWhileRead.length).toBeGreaterThan(0);
    expect(rightsWhileRead.every((any) => !any)).toBe(true);
    expect(archived).toEqual([expect.objectContaining({ month: '2031-04', rows: 1 })]);
    await expect(s.sql(`SELECT to_regclass('credit_queries_2031_04') AS t`)).resolves.toEqual([{ t: null }]);
    const gz = await readFile(join(s.config.EXPORT_DIR, QUERY_LOG_ARCHIVE_DIR, 'credit_queries_2031_04.csv.gz'));
    expect((parse(gunzipSync(gz), { columns: true }) as { id: string }[]).map((r) => r.id)).toEqual([id]);
  });

  it("fails the run, not the worker, when the owner's session is ended while idle", async () => {
    const run = withOwnerSession(s.config.DATABASE_URL, async (owner) => {
      const [{ pid }] = (await owner.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows;
      const ended = new Promise((resolve) => owner.once('end', resolve));
      // As a restart or a failover would, between two of the run's statements.
      await s.sql(`SELECT pg_terminate_backend($1)`, [pid]);
      await ended;
      return owner.query(`SELECT 1`);
    });
    await expect(run).rejects.toThrow(/terminated|not queryable/i);
  }, 10_000);

  it('reads only the recent months for a lookup by code bounded in time', async () => {
    const plan = await s.sql<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT institution_id, purpose, asked_at FROM credit_queries
        WHERE uscc = '${USCC}' AND asked_at >= '2031-06-01 00:00+08' ORDER BY asked_at DESC, id DESC LIMIT 20`,
    );
    const scanned = [
      ...new Set(
        plan
          .map((r) => r['QUERY PLAN'])
          .join('\n')
          .match(/credit_queries_\w+/g),
      ),
    ]
      .filter((name) => /^credit_queries_(\d{4}_\d{2}|default)$/.test(name))
      .sort();
    expect(scanned).toEqual([
      'credit_queries_2031_06',
      'credit_queries_2031_07',
      'credit_queries_2031_08',
      'credit_queries_2031_09',
      'credit_queries_2031_10',
      'credit_queries_default',
    ]);
  });
});

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Client } from 'pg';
import { makeUscc } from '../../../src/common/uscc';
import { QueueName } from '../../../src/jobs/queues';
import { SCREENING_CHUNK, ScreeningsService } from '../../../src/sharing/screenings.service';
import { FlowingClock } from '../../helpers/clock';
import { createKey, createUser } from '../../helpers/fixtures';
import { closeOnPrivateRedis, PrivateRedis } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { Workers } from '../../helpers/workers';

/**
 * The drill of the project's rule for batch screenings (批量筛查): a worker killed in the middle of a
 * screening, and Redis lost with its job, lose nothing of the acknowledged upload. Another worker
 * takes the screening up from the database, goes on from the first chunk not recorded, and
 * completes it with every code's result, each code logged once; screenings past their retention
 * are deleted.
 */
const REGISTERED = Array.from({ length: 1_500 }, (_, i) => makeUscc('330302', 6_100_000 + i));
const GRADE_OF = (i: number) => (['A', 'B', 'C', 'D', null] as const)[i % 5];
const UNKNOWN = Array.from({ length: 3_400 }, (_, i) => makeUscc('330303', 6_200_000 + i));
const INVALID = Array.from({ length: 100 }, (_, i) => `BAD-${i}`);
/** The file's codes, kinds mixed so that every chunk has each: 5 000 codes, three chunks. */
const CODES = Array.from({ length: 5_000 }, (_, i) =>
  i % 50 === 7 ? INVALID[Math.floor(i / 50)] : i % 10 < 3 ? REGISTERED.shift()! : UNKNOWN.shift()!,
);
const REGISTERED_ALL = Array.from({ length: 1_500 }, (_, i) => makeUscc('330302', 6_100_000 + i));
/** A session-level advisory lock the test holds; the query log waits on it once the first chunk is recorded. */
const HOLD = 4_242;

describe('a batch screening whose worker died mid-way', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let workers: Workers | undefined;
  const clock = new FlowingClock(new Date());
  let institutionId = '';
  let userId = '';
  let screeningId = '';

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    // The api only: the workers are the separate processes this test starts and kills.
    t = await TestApp.start(__filename, { ROLE: 'api', REDIS_URL: redis.url }, { clock });
    workers = new Workers(t);
    const admin = await t.loginAdmin();
    ({ institutionId } = await createKey(t, admin, ['status:read']));
    await createUser(t, admin, {
      username: 'drill.officer',
      password: 'drill-officer-1',
      role: 'institution',
      institutionId,
    });
    [{ id: userId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'drill.officer'`);
    await t.sql(
      `INSERT INTO enterprises (uscc, name, district_code, registered_on)
       SELECT u, '演练企业' || n, '330302', DATE '2010-01-01' FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`,
      [REGISTERED_ALL],
    );
    await t.sql(
      `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
       SELECT e.id, g.grade, 70, 1, '[]', now()
         FROM unnest($1::text[], $2::text[]) AS g(uscc, grade) JOIN enterprises e ON e.uscc = g.uscc
        WHERE g.grade IS NOT NULL`,
      [REGISTERED_ALL, REGISTERED_ALL.map((_, i) => GRADE_OF(i))],
    );
  }, 120_000);
  afterAll(() => closeOnPrivateRedis(redis, t, workers), 60_000);

  const screenings = () => t!.app.get(ScreeningsService);
  const screening = async () =>
    (
      await t!.sql<{ status: string; screened: number; chunks: number }>(
        `SELECT status, screened, (SELECT count(*)::int FROM credit_screening_chunks WHERE screening_id = s.id) AS chunks
           FROM credit_screenings s WHERE id = $1`,
        [screeningId],
      )
    )[0];

  it('is completed by another worker, after Redis lost its job, with every code screened and logged once', async () => {
    const app = t!;
    const asker = { institutionId, apiKeyId: null, userId };
    // Once the first chunk is recorded, writing the query log of the next one waits on HOLD.
    const holder = new Client({ connectionString: app.config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${HOLD})`);
      await app.sql(`
        CREATE FUNCTION drill_hold() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM credit_screenings WHERE status = 'running' AND screened >= ${SCREENING_CHUNK}) THEN
            PERFORM pg_advisory_xact_lock_shared(${HOLD});
          END IF;
          RETURN NULL;
        END $$`);
      await app.sql(
        `CREATE TRIGGER drill_hold BEFORE INSERT ON credit_queries FOR EACH STATEMENT EXECUTE FUNCTION drill_hold()`,
      );

      // The upload is acknowledged: the screening and its codes are in the database, its job in Redis.
      const started = await screenings().start(
        asker,
        'loan_review',
        '客户名单.csv',
        CODES.map((input, i) => ({ row: i + 2, input })),
      );
      screeningId = started.id;
      const queue = app.app.get<Queue>(getQueueToken(QueueName.Screenings));
      expect(await queue.getJob(screeningId)).not.toBeNull();

      const first = await workers!.start();
      const waiting = async () =>
        (
          await app.sql<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
          )
        ).map((r) => r.pid);
      await until('the worker to be in the second chunk', async () => (await waiting()).length > 0, 60_000, 20);
      expect(await screening()).toEqual({ status: 'running', screened: SCREENING_CHUNK, chunks: 1 });

      // The worker dies mid-chunk; the database ends its sessions (as it would on finding them
      // gone), and Redis is lost with the job.
      await workers!.kill(first);
      for (const pid of await waiting()) await holder.query(`SELECT pg_terminate_backend($1)`, [pid]);
      await redis.kill();
      await redis.restart();
      await until('the api to see Redis again', async () => (await queue.client.ping().catch(() => '')) === 'PONG');
      expect(await queue.getJob(screeningId)).toBeNull();
      expect(await screening()).toEqual({ status: 'running', screened: SCREENING_CHUNK, chunks: 1 });
    } finally {
      await app.sql(`DROP TRIGGER IF EXISTS drill_hold ON credit_queries`);
      await app.sql(`DROP FUNCTION IF EXISTS drill_hold()`);
      await holder.end();
    }

    // Another worker finds the screening unfinished and its job gone, queues it again and completes it.
    await workers!.start();
    await until(
      'the screening to complete',
      async () => {
        const now = await screening();
        expect(now.status).not.toBe('failed');
        return now.status === 'completed';
      },
      60_000,
      50,
    );

    const done = await screenings().get(screeningId, institutionId);
    expect(done).toMatchObject({ status: 'completed', total: CODES.length, screened: CODES.length });
    expect(done.counts).toEqual({
      screened: 5_000,
      found: 1_500,
      notFound: 3_400,
      invalid: 100,
      blacklisted: 0,
      byGrade: { A: 300, B: 300, C: 300, D: 300, none: 300 },
    });
    const rows = await screenings().rows(screeningId, institutionId);
    expect(rows.map((r) => [r.row, r.input])).toEqual(CODES.map((input, i) => [i + 2, input]));
    const gradeOf = new Map(REGISTERED_ALL.map((uscc, i) => [uscc, GRADE_OF(i)]));
    for (const row of rows) {
      if (row.input.startsWith('BAD-')) expect(row.outcome).toBe('invalid');
      else if (gradeOf.has(row.input)) expect([row.outcome, row.grade]).toEqual(['found', gradeOf.get(row.input)]);
      else expect(row.outcome).toBe('not_found');
    }
    // Every credit code of the file in the query log once: the first chunk was not screened again,
    // and the second's log died with its worker before it committed.
    const [log] = await app.sql<{ rows: number; codes: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT uscc)::int AS codes FROM credit_queries WHERE institution_id = $1`,
      [institutionId],
    );
    expect(log).toEqual({ rows: 4_900, codes: 4_900 });
    // What the worker needed to resume is gone with the screening's end.
    const [left] = await app.sql<{ inputs: unknown; chunks: number }>(
      `SELECT inputs, (SELECT count(*)::int FROM credit_screening_chunks) AS chunks FROM credit_screenings WHERE id = $1`,
      [screeningId],
    );
    expect(left).toEqual({ inputs: null, chunks: 0 });
  }, 180_000);

  it('deletes the screenings that ended more than SCREENING_RETENTION_DAYS ago, never a running one', async () => {
    const app = t!;
    // A screening no worker runs (they are stopped) stays running, however old.
    await workers!.killAll();
    const running = await screenings().start({ institutionId, apiKeyId: null, userId }, 'other', 'x.csv', [
      { row: 2, input: REGISTERED_ALL[0] },
    ]);
    const day = 86_400_000;
    const [{ finished }] = await app.sql<{ finished: Date }>(
      `SELECT finished_at AS finished FROM credit_screenings WHERE id = $1`,
      [screeningId],
    );
    clock.set(new Date(finished.getTime() + 30 * day - 60_000).toISOString());
    expect(await screenings().deleteExpired()).toBe(0);
    clock.set(new Date(finished.getTime() + 30 * day + 60_000).toISOString());
    expect(await screenings().deleteExpired()).toBe(1);
    const left = await app.sql<{ id: string; status: string }>(`SELECT id, status FROM credit_screenings`);
    expect(left).toEqual([{ id: running.id, status: 'running' }]);
    await expect(screenings().get(screeningId, institutionId)).rejects.toMatchObject({ status: 404 });
  });
});

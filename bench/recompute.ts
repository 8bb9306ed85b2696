/**
 * Recompute benchmark: N enterprises and M records loaded straight into a fresh database, then
 * the full recompute through the API of the built server (ROLE=all, its own process), beside
 * the floor of one SQL GROUP BY computing a score over the same records in the same run (same
 * work_mem). Also Redis memory growth, Bull jobs run and stalled, and the latency from a new
 * record to its grade being visible (p50/p95 over K records).
 *
 *   npm run bench:recompute -- --enterprises 1000000 --records 10000000 --latency 1000
 *
 * --keep leaves the database; --reuse runs on the one a kept run left (grades cleared) without loading.
 * --workers N runs the api (ROLE=api) and N worker processes (ROLE=worker, ports after --port)
 * instead of one ROLE=all process, and reports each one's CPU time over the every-grade-new run.
 */
import Queue from 'bull';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { RANGE_SIZE } from '../src/classification/classification.service';
import { makeUscc } from '../src/common/uscc';
import {
  arg,
  BenchServer,
  copyEnterprises,
  DATABASE_SERVER,
  DIST,
  DISTRICTS,
  machine,
  percentile,
  processStat,
  sql,
} from './lib';
import { bullPrefixOf } from '../src/jobs/bull-connections';

const N = arg('enterprises', 100_000);
const M = arg('records', 1_000_000);
const K = arg('latency', 200);
const PORT = arg('port', 3998);
const WORKERS = arg('workers', 0);
/** BENCH_DB: another database name, so that two people benchmarking on one server do not share one. */
const DB = process.env.BENCH_DB ?? 'qc_bench_recompute';
const RUN = Date.now().toString(36); // document numbers stay unique when --reuse runs again
const PREFIX = DB;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function load() {
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}` });
  await client.connect();
  try {
    await copyEnterprises(client, N, (i) => {
      const districtCode = DISTRICTS[i % DISTRICTS.length];
      return {
        uscc: makeUscc(districtCode, 20_000_000 + i),
        name: `企业${i}`,
        districtCode,
        registeredOn: `${1995 + (i % 25)}-01-01`,
      };
    });
    // M records spread over the enterprises, types in realistic proportions, dates over five years.
    await client.query(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by, disclosed, department_code)
       SELECT 1 + (g * 7919) % $1, t.type, (ARRAY['minor','general','serious','critical'])[1 + g % 4],
              DATE '2026-11-01' - (g * 37 % 1800)::int, 'B-' || g, 'bench', t.hotline, t.handled_by, true, 'QTS'
         FROM generate_series(1, $2::bigint) g
         JOIN LATERAL (SELECT CASE WHEN g % 100 < 40 THEN 'spot_check_pass' WHEN g % 100 < 55 THEN 'spot_check_fail'
                                   WHEN g % 100 < 65 THEN 'administrative_penalty' WHEN g % 100 < 77 THEN 'complaint_substantiated'
                                   WHEN g % 100 < 80 THEN 'product_recall' WHEN g % 100 < 81 THEN 'major_quality_incident'
                                   WHEN g % 100 < 82 THEN 'license_revoked' WHEN g % 100 < 88 THEN 'quality_award'
                                   WHEN g % 100 < 98 THEN 'certification' ELSE 'famous_brand' END AS type,
                              CASE WHEN g % 100 BETWEEN 65 AND 76 THEN '12365' END AS hotline,
                              CASE WHEN g % 100 BETWEEN 65 AND 76 THEN 'QTS' END AS handled_by) t ON true`,
      [N, M],
    );
    await client.query('VACUUM ANALYZE'); // as autovacuum leaves a table that has been there a while
  } finally {
    await client.end();
  }
}

/** The floor: one GROUP BY scoring every enterprise from the same records, as rule set 1 would. */
const FLOOR = `
  SELECT enterprise_id, 80 + sum(
           CASE type WHEN 'spot_check_pass' THEN 2 WHEN 'spot_check_fail' THEN -8 WHEN 'administrative_penalty' THEN -10
                     WHEN 'complaint_substantiated' THEN -3 WHEN 'product_recall' THEN -8 WHEN 'major_quality_incident' THEN -30
                     WHEN 'license_revoked' THEN -50 WHEN 'quality_award' THEN 8 WHEN 'certification' THEN 3 ELSE 5 END
           * CASE WHEN occurred_on > current_date - 365 THEN 1 ELSE 0.5 END) AS score
    FROM credit_records WHERE occurred_on > current_date - 1095 GROUP BY enterprise_id`;

/** The tables a first grading writes: every enterprise's current grade, its history interval and its outbox event. */
const WRITTEN = ['classifications', 'classification_history', 'change_events'];

/**
 * The floor that writes: the GROUP BY above, then a COPY of the rows the every-grade-new run
 * wrote (read out of the real tables before the clock starts) into scratch tables shaped like
 * them: the same columns, defaults, checks, indexes and foreign keys, so that every row is
 * checked and indexed as the run's are. The scratch tables are ordinary logged tables, not
 * TEMP or UNLOGGED ones: the real tables are logged, and writing their WAL is part of what a
 * grading must do (a temporary table also skips shared buffers). One COPY per table, one after
 * the other, each in its own transaction, as the cheapest a single client can write them.
 */
async function writingFloor(): Promise<{
  seconds: number;
  cpuSeconds: number;
  groupBy: number;
  copies: Record<string, number>;
}> {
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}` });
  await client.connect();
  try {
    const rows = new Map<string, Buffer[]>();
    for (const table of WRITTEN) {
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(copyTo(`COPY ${table} TO STDOUT`))) chunks.push(chunk as Buffer);
      rows.set(table, chunks);
      await client.query(`DROP TABLE IF EXISTS floor_${table}`);
      await client.query(
        `CREATE TABLE floor_${table} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`,
      );
      // LIKE copies no foreign key: the same ones, checked row by row as the real table's are.
      for (const { definition } of (
        await client.query(
          `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`,
          [table],
        )
      ).rows)
        await client.query(`ALTER TABLE floor_${table} ADD ${definition}`);
    }
    const [{ pid }] = (await client.query(`SELECT pg_backend_pid() AS pid`)).rows;
    const cpuBefore = cpuSeconds(pid);
    const start = performance.now();
    await client.query(FLOOR);
    const groupBy = (performance.now() - start) / 1000;
    const copies: Record<string, number> = {};
    for (const table of WRITTEN) {
      const t = performance.now();
      await pipeline(Readable.from(rows.get(table)!), client.query(copyFrom(`COPY floor_${table} FROM STDIN`)));
      copies[table] = Number(((performance.now() - t) / 1000).toFixed(2));
    }
    return { seconds: (performance.now() - start) / 1000, cpuSeconds: cpuSeconds(pid) - cpuBefore, groupBy, copies };
  } finally {
    for (const table of WRITTEN) await client.query(`DROP TABLE IF EXISTS floor_${table}`).catch(() => undefined);
    await client.end();
  }
}

/** CPU seconds (user + system) a process has used. */
const cpuSeconds = (pid: number) => processStat(pid).ticks / 100;

/**
 * The CPU seconds of this database's sessions over a stretch of time, sampled as it goes: the
 * pools open and close sessions meanwhile, so each is read while it lives, from 0 if it opened
 * after the start (what one uses between its last sample and its end is missed).
 */
class SessionsCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private started = false;

  async sample(): Promise<void> {
    for (const { pid } of await sql('postgres', `SELECT pid FROM pg_stat_activity WHERE datname = $1`, [DB])) {
      try {
        const seconds = cpuSeconds(pid);
        if (!this.first.has(pid)) this.first.set(pid, this.started ? 0 : seconds);
        this.last.set(pid, seconds);
      } catch {
        /* ended meanwhile */
      }
    }
    this.started = true;
  }

  total(): number {
    let total = 0;
    for (const [pid, seconds] of this.last) total += seconds - this.first.get(pid)!;
    return total;
  }
}

async function main() {
  // --reuse: the database a run with --keep left (loaded, never graded), to skip the load.
  if (process.argv.includes('--reuse')) {
    await sql(DB, `TRUNCATE classifications, classification_history, change_events`);
  } else {
    await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module (built first)
    const { prepareDatabase } = require(resolve(DIST, 'src/database/prepare-database'));
    await prepareDatabase(`${DATABASE_SERVER}/${DB}`);
    const t = performance.now();
    await load();
    console.log(`loaded ${N} enterprises and ${M} records in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  let t: number;

  const queue = new Queue('classification', REDIS_URL, { prefix: bullPrefixOf(PREFIX) });
  let stalled = 0;
  await queue.isReady();
  queue.on('global:stalled', () => stalled++);
  const redisBytes = async () => Number(/used_memory:(\d+)/.exec(await queue.client.info('memory'))![1]);

  // One ROLE=all process, or the api and WORKERS worker processes on the ports after it.
  const server = await BenchServer.start({
    database: DB,
    port: PORT,
    prefix: PREFIX,
    env: WORKERS ? { ROLE: 'api' } : {},
  });
  const workers: BenchServer[] = [];
  try {
    for (let i = 1; i <= WORKERS; i++)
      workers.push(await BenchServer.start({ database: DB, port: PORT + i, prefix: PREFIX, env: { ROLE: 'worker' } }));
    const graders = WORKERS ? workers : [server];
    const admin = await server.login();
    const memoryBefore = await redisBytes();
    let peakRedis = memoryBefore;
    /** One full recompute through the API, followed to its end; its wall time in seconds. */
    const recompute = async (sessions?: SessionsCpu) => {
      const start = performance.now();
      const { jobId } = await server.json('/api/v1/classification/recompute', { method: 'POST' }, admin);
      for (;;) {
        const job = await server.json(`/api/v1/jobs/${jobId}`, {}, admin);
        peakRedis = Math.max(peakRedis, await redisBytes());
        await sessions?.sample();
        if (job.state === 'failed') throw new Error(`recompute failed: ${job.failedReason}`);
        if (job.state === 'completed') return { seconds: (performance.now() - start) / 1000, result: job.result };
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // The first run grades every enterprise (every grade is new); the second is the nightly
    // run's usual case, where the facts are the same and nothing is written.
    const cpuBefore = graders.map((g) => cpuSeconds(g.process.pid!));
    const sessions = new SessionsCpu();
    await sessions.sample();
    const first = await recompute(sessions);
    // Where the every-grade-new run's time went: each grading process's CPU, and that of this
    // database's sessions (PostgreSQL's background writers, checkpointer and WAL writer aside).
    const graderCpu = graders.map((g, i) => Number((cpuSeconds(g.process.pid!) - cpuBefore[i]).toFixed(1)));
    await sessions.sample();
    const sessionsCpu = sessions.total();
    const second = await recompute();
    const jobCounts = 2 * (Math.ceil(N / RANGE_SIZE) + 1);
    console.log(`first recompute ${first.seconds.toFixed(1)} s, second ${second.seconds.toFixed(1)} s`);

    t = performance.now();
    await sql(DB, FLOOR);
    const floorSeconds = (performance.now() - t) / 1000;
    const floor = await writingFloor();

    // Latency: a new record, then polling its enterprise's grade until the record is among its factors.
    const regulator = await server.regulator(admin);
    const latencies: number[] = [];
    const codes = await sql(DB, `SELECT uscc FROM enterprises ORDER BY id LIMIT $1`, [K]);
    const one = async (uscc: string, i: number) => {
      const created = await server.json(
        `/api/v1/enterprises/${uscc}/records`,
        {
          method: 'POST',
          body: {
            type: 'spot_check_fail',
            severity: 'serious',
            occurredOn: '2026-11-01',
            documentNo: `LAT-${RUN}-${i}`,
            summary: 'latency',
          },
        },
        regulator,
      );
      const start = performance.now();
      for (;;) {
        const res = await fetch(server.url(`/api/v1/enterprises/${uscc}/classification`), {
          headers: { authorization: `Bearer ${admin}` },
        });
        const body = res.ok ? ((await res.json()) as { factors?: { recordIds: string[] }[] }) : null;
        if (body?.factors?.some((f: { recordIds: string[] }) => f.recordIds.includes(created.id))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      latencies.push(performance.now() - start);
    };
    for (let i = 0; i < K; i += 20) await Promise.all(codes.slice(i, i + 20).map((c, j) => one(c.uscc, i + j)));
    latencies.sort((a, b) => a - b);

    console.log(
      JSON.stringify(
        {
          machine: machine(),
          enterprises: N,
          records: M,
          firstRecompute: { ...first.result, seconds: Number(first.seconds.toFixed(1)) },
          secondRecompute: { ...second.result, seconds: Number(second.seconds.toFixed(1)) },
          processes: WORKERS ? `api + ${WORKERS} worker(s)` : 'one ROLE=all',
          firstRecomputeCpuSeconds: { graders: graderCpu, databaseSessions: Number(sessionsCpu.toFixed(1)) },
          groupByFloorSeconds: Number(floorSeconds.toFixed(2)),
          writingFloor: {
            seconds: Number(floor.seconds.toFixed(2)),
            cpuSeconds: Number(floor.cpuSeconds.toFixed(1)),
            groupBy: Number(floor.groupBy.toFixed(2)),
            copies: floor.copies,
          },
          ratioToFloor: {
            first: Number((first.seconds / floor.seconds).toFixed(2)),
            second: Number((second.seconds / floorSeconds).toFixed(2)),
            firstToGroupBy: Number((first.seconds / floorSeconds).toFixed(2)),
            // On a machine others share, the CPU each used says more than the wall times.
            firstCpu: Number(((graderCpu.reduce((a, b) => a + b, 0) + sessionsCpu) / floor.cpuSeconds).toFixed(2)),
          },
          redisGrowthMiB: Number(((peakRedis - memoryBefore) / 2 ** 20).toFixed(1)),
          bullJobs: jobCounts,
          stalledJobs: stalled,
          latencyMs: {
            samples: latencies.length,
            p50: Math.round(percentile(latencies, 50)),
            p95: Math.round(percentile(latencies, 95)),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    for (const worker of workers) await worker.stop();
    await server.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    if (!process.argv.includes('--keep')) await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

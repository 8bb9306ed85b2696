import { Client } from 'pg';
import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { send } from './lib/http';
import { Load, sleep } from './lib/load';
import { scale } from './lib/scale';
import { cleanUp, PgCluster, startRedis } from './lib/services';
import { Actors, createActors, freshUscc } from './lib/world';
import { enterpriseBody } from '../helpers/fixtures';
import { until } from '../helpers/until';

/**
 * PostgreSQL stopped `-m immediate` (a crash: no checkpoint) for DRILL_PG_OUTAGE_S seconds while
 * writers create enterprises and credit records. Every write answered 2xx must be there after;
 * none twice; during the outage the answers are 503 with Retry-After; writes succeed again soon
 * after the database is back, with no process restarted.
 */
describe('drill: PostgreSQL stopped under writes', () => {
  let cluster: PgCluster;
  let api: AppProcess;
  let worker: AppProcess;
  let actors: Actors;

  beforeAll(async () => {
    cluster = await PgCluster.create('pg');
    const redis = await startRedis();
    const env = drillEnv('pg', { DATABASE_URL: cluster.url('qc'), REDIS_URL: redis.url });
    api = await AppProcess.start('api', env);
    worker = await AppProcess.start('worker', env);
    actors = await createActors(api);
  });

  afterAll(() => cleanUp());

  it('loses no acknowledged write and answers 503 with Retry-After while the database is down', async () => {
    type Phase = 'before' | 'stopping' | 'outage' | 'after';
    let phase: Phase = 'before';
    let firstWriteAfter = 0;
    const acknowledged = { enterprises: [] as string[], records: [] as string[] };
    const attempted = { enterprises: [] as string[], records: [] as string[] };
    const run = Date.now().toString(36);

    const load = new Load(
      scale.writers,
      async (n) => {
        const at: Phase = phase;
        const answer =
          n % 2 === 0
            ? await (async () => {
                const uscc = freshUscc();
                attempted.enterprises.push(uscc);
                const a = await send(api.url('/api/v1/enterprises'), {
                  method: 'POST',
                  token: actors.regulator,
                  body: enterpriseBody(uscc),
                  timeoutMs: 20_000,
                });
                if (a.status === 201) acknowledged.enterprises.push(uscc);
                return a;
              })()
            : await (async () => {
                const documentNo = `DRILL-${run}-${n}`;
                attempted.records.push(documentNo);
                const a = await send(api.url(`/api/v1/enterprises/${actors.uscc}/records`), {
                  method: 'POST',
                  token: actors.regulator,
                  body: {
                    type: 'spot_check_pass',
                    occurredOn: '2026-03-15',
                    documentNo,
                    summary: '监督抽查：合格',
                  },
                  timeoutMs: 20_000,
                });
                if (a.status === 201) acknowledged.records.push(documentNo);
                return a;
              })();
        if (answer.status < 300 && phase === 'after' && !firstWriteAfter) firstWriteAfter = Date.now();
        const retryAfter = answer.headers['retry-after'] !== undefined ? '+Retry-After' : '';
        return `${at}:${answer.status}${answer.status >= 500 ? retryAfter : ''}`;
      },
      20,
    ).start();

    await sleep(2_000);
    phase = 'stopping';
    await cluster.stop('immediate');
    phase = 'outage';
    await sleep(scale.pgOutageSeconds * 1_000);
    await cluster.start();
    const restartedAt = Date.now();
    phase = 'after';
    await until('a write to succeed after the restart', async () => firstWriteAfter > 0, 120_000, 100).catch(
      () => undefined,
    );
    await sleep(2_000);
    await load.stop();

    const db = new Client({ connectionString: cluster.url('qc') });
    await db.connect();
    const [enterprises, records] = await Promise.all([
      db.query<{ uscc: string; n: string }>(
        `SELECT uscc, count(*) AS n FROM enterprises WHERE uscc = ANY($1) GROUP BY uscc`,
        [attempted.enterprises],
      ),
      db.query<{ document_no: string; n: string }>(
        `SELECT document_no, count(*) AS n FROM credit_records WHERE document_no = ANY($1) GROUP BY document_no`,
        [attempted.records],
      ),
    ]);
    await db.end();
    const stored = new Map<string, number>([
      ...enterprises.rows.map((r) => [r.uscc, Number(r.n)] as const),
      ...records.rows.map((r) => [r.document_no, Number(r.n)] as const),
    ]);
    const acked = [...acknowledged.enterprises, ...acknowledged.records];
    const found = acked.filter((k) => stored.has(k)).length;
    const duplicated = [...stored.values()].reduce((sum, n) => sum + n - 1, 0);
    const outage5xx = load.count((k) => k.startsWith('outage:5'));
    const outage503 = load.count((k) => k === 'outage:503+Retry-After');
    const figures = {
      'outage (s)': scale.pgOutageSeconds,
      sent: load.sent,
      acknowledged: acked.length,
      'found after': found,
      lost: acked.length - found,
      duplicated,
      'stored, not acknowledged': stored.size - found,
      'seconds to recover': firstWriteAfter ? ((firstWriteAfter - restartedAt) / 1_000).toFixed(1) : 'never',
      'outage 5xx': outage5xx,
      'outage 503 with Retry-After': outage503,
      answers: load.summary(),
      'api alive': api.running,
      'worker alive': worker.running,
    };
    printFigures('postgres-outage', figures);

    expect(acked.length).toBeGreaterThan(0);
    expect(figures.lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(firstWriteAfter).toBeGreaterThan(0);
    expect((firstWriteAfter - restartedAt) / 1_000).toBeLessThan(15);
    expect([api.running, worker.running]).toEqual([true, true]);
    // Nothing but 503 + Retry-After for the database's absence (issue 16: "Database down → 500").
    expect(load.count((k) => /^\w+:5/.test(k) && !k.endsWith(':503+Retry-After'))).toBe(0);
    expect(load.count((k) => /^\w+:E/.test(k))).toBe(0);
  });
});

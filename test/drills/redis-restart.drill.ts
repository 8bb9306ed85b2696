import { makeUscc } from '../../src/common/uscc';
import { until } from '../helpers/until';
import { multipart } from '../helpers/multipart';
import { ADMIN, AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import {
  cleanRunChanges,
  count,
  grades,
  job,
  schedules,
  seedEnterprises,
  startRecompute,
  waitForJob,
} from './lib/grading';
import { get, must } from './lib/http';
import { sleep } from './lib/load';
import { scale } from './lib/scale';
import { PrivateRedis } from '../helpers/private-redis';
import { cleanUp, sharedDatabase, startRedis } from './lib/services';
import { Actors, createActors, login } from './lib/world';

const PREFIX = 'drill_redis';
const DOWN_MS = 2_000;

/**
 * Redis SIGKILLed (no persistence: it comes back empty) in the middle of a full recompute, then
 * in the middle of an import. The worker must live through it, the recompute and the import
 * must finish without anyone stepping in, and the daily schedules must be back in Redis.
 */
describe('drill: Redis killed and restarted empty', () => {
  let api: AppProcess;
  let worker: AppProcess;
  let redis: PrivateRedis;
  let databaseUrl: string;
  let admin: string;
  let actors: Actors;
  let env: ReturnType<typeof drillEnv>;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('redis');
    redis = await startRedis();
    env = drillEnv('redis', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: PREFIX,
      JOB_LOCK_MS: '5000',
      IMPORT_CHUNK_ROWS: '5000',
    });
    api = await AppProcess.start('api', env);
    worker = await AppProcess.start('worker', env);
    admin = await login(api, ADMIN.username, ADMIN.password);
    actors = await createActors(api);
    await until('the schedules to be registered', async () =>
      Object.values(await schedules({ REDIS_URL: redis.url }, PREFIX)).every((n) => n > 0),
    );
  });

  afterAll(() => cleanUp());

  const restartRedis = async () => {
    await redis.kill();
    await sleep(DOWN_MS);
    await redis.restart();
    return Date.now();
  };
  /** The schedules in Redis once every one is back (or, after 30 s, as they are). */
  const schedulesBack = () =>
    until(
      'the schedules to be back',
      async () => {
        const s = await schedules({ REDIS_URL: redis.url }, PREFIX);
        return Object.values(s).every((v) => v > 0) && s;
      },
      30_000,
    ).catch(() => schedules({ REDIS_URL: redis.url }, PREFIX));

  it('finishes a full recompute interrupted by the loss of Redis', async () => {
    const n = scale.recomputeEnterprises;
    await seedEnterprises(databaseUrl, n);
    const total = await count(databaseUrl, `SELECT count(*) AS n FROM enterprises`);
    const id = await startRecompute(api, admin);
    const atKill = await waitForJob(
      api,
      admin,
      id,
      (j) => j.state === 'active' && j.progress >= 20,
      'the run to pass 20 %',
    );
    expect(atKill.progress).toBeLessThan(100);
    const back = await restartRedis();
    let graded = 0;
    const finished = await until(
      'every enterprise graded after Redis came back',
      async () => {
        if (!worker.running) throw new Error(`the worker died:\n${worker.logTail()}`);
        graded = (await grades(databaseUrl)).graded;
        return graded === total && Date.now();
      },
      Number(process.env.DRILL_RECOVERY_TIMEOUT_MS ?? 120_000),
      250,
    ).catch(() => 0);
    const scheduled = await schedulesBack();
    const jobAfter = await job(api, admin, id).catch(() => undefined);
    // The run itself ends after its last chunk (queued again, by its id, if Redis lost it): a clean
    // run asked for before then is that same run (one runs at a time), whose count is the first grading's.
    const ended = finished
      ? await waitForJob(api, admin, id, (j) => j.state === 'completed', 'the interrupted run to complete')
      : undefined;
    const changed = ended ? await cleanRunChanges(api, admin) : NaN;

    printFigures('redis-restart: recompute', {
      enterprises: total,
      'progress at kill (%)': atKill.progress,
      'Redis down (s)': DOWN_MS / 1_000,
      'graded after': graded,
      'seconds to recover (all graded)': finished ? ((finished - back) / 1_000).toFixed(1) : 'never',
      'the job, by its id': jobAfter ? jobAfter.state : '404',
      'grades changed by a clean run': changed,
      'schedules after restart': JSON.stringify(scheduled),
      'worker alive': worker.running,
      'api alive': api.running,
    });

    expect(worker.running).toBe(true);
    expect(graded).toBe(total);
    expect(changed).toBe(0);
    expect(Object.values(scheduled).every((v) => v > 0)).toBe(true);
  });

  it('finishes an import interrupted by the loss of Redis', async () => {
    // a worker that died in the part before (issue 16, broken 3) is replaced, so this part is measured alone
    const replaced = !worker.running;
    if (replaced) worker = await AppProcess.start('worker', env);
    const rows = scale.importRows;
    const codes = Array.from({ length: rows }, (_, i) => makeUscc('330303', 20_000_000 + i));
    const csv = ['uscc,name,districtCode', ...codes.map((c, i) => `${c},温州导入企业${i},330303`)].join('\n');
    const body = multipart({ kind: 'enterprises' }, { name: 'drill.csv', content: csv });
    const upload = await must(
      api.url('/api/v1/imports'),
      { method: 'POST', token: actors.regulator, body: body.payload, contentType: body.headers['content-type'] },
      202,
    );
    const id = upload.json().id;
    const view = async () => (await get(api.url(`/api/v1/imports/${id}`), { token: actors.regulator })).json();
    const atKill = await until(
      'the import to be under way',
      async () => {
        const v = await view();
        return v.status === 'running' && v.processedRows > 0 && v.processedRows < rows && v;
      },
      120_000,
      20,
    );
    const back = await restartRedis();
    let last: { status: string; importedRows: number; failure: string | null } = atKill;
    const finished = await until(
      'the import to finish after Redis came back',
      async () => {
        if (!worker.running) throw new Error(`the worker died:\n${worker.logTail()}`);
        last = await view();
        return ['completed', 'failed', 'rejected'].includes(last.status) && Date.now();
      },
      Number(process.env.DRILL_RECOVERY_TIMEOUT_MS ?? 120_000),
      250,
    ).catch(() => 0);
    const found = await count(databaseUrl, `SELECT count(*) AS n FROM enterprises WHERE uscc = ANY($1)`, [codes]);
    const scheduled = await schedulesBack();

    printFigures('redis-restart: import', {
      rows,
      'rows read at kill': (atKill as { processedRows: number }).processedRows,
      'Redis down (s)': DOWN_MS / 1_000,
      'status after': last.status,
      'imported rows': last.importedRows,
      'found after': found,
      'rows missing': rows - found,
      failure: last.failure ?? 'none',
      'seconds to recover (import finished)': finished ? ((finished - back) / 1_000).toFixed(1) : 'never',
      'schedules after restart': JSON.stringify(scheduled),
      'worker replaced before this part': replaced,
      'worker alive': worker.running,
    });

    expect(worker.running).toBe(true);
    expect(last.status).toBe('completed');
    expect(found).toBe(rows);
    expect(Object.values(scheduled).every((v) => v > 0)).toBe(true);
  });
});

import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { cleanRunChanges, grades, seedEnterprises, startRecompute, waitForJob } from './lib/grading';
import { CI, scale } from './lib/scale';
import { cleanUp, sharedDatabase, startRedis } from './lib/services';
import { ADMIN } from './lib/app';
import { login } from './lib/world';

/** The README's promise: a dead worker's jobs move on after JOB_LOCK_MS. */
const LOCK_MS = Number(process.env.DRILL_JOB_LOCK_MS ?? (CI ? 5_000 : 30_000));

/**
 * A worker SIGKILLed in the middle of a full recompute, a second worker running: the run must
 * finish by itself, be taken over within about JOB_LOCK_MS, and leave the grades a clean run
 * gives.
 */
describe('drill: a worker killed mid-recompute', () => {
  let api: AppProcess;
  let databaseUrl: string;
  let env: ReturnType<typeof drillEnv>;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('workerkill');
    const redis = await startRedis();
    env = drillEnv('workerkill', { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, JOB_LOCK_MS: String(LOCK_MS) });
    api = await AppProcess.start('api', env);
    await seedEnterprises(databaseUrl, scale.recomputeEnterprises);
  });

  afterAll(() => cleanUp());

  it('finishes the run on the other worker, with the grades of a clean run', async () => {
    const admin = await login(api, ADMIN.username, ADMIN.password);
    const first = await AppProcess.start('worker', env, 'worker-1');
    const id = await startRecompute(api, admin);
    // the run itself is on the first worker; the second joins for the chunks
    await waitForJob(api, admin, id, (j) => j.state === 'active', 'the run to start');
    const second = await AppProcess.start('worker', env, 'worker-2');
    const atKill = await waitForJob(api, admin, id, (j) => j.progress >= 20, 'the run to pass 20 %');
    await first.stop('SIGKILL');
    const killedAt = Date.now();
    expect(atKill.progress).toBeLessThan(100); // else the run ended before the fault: more DRILL_RECOMPUTE_ENTERPRISES
    const moved = await waitForJob(
      api,
      admin,
      id,
      (j) => j.progress > atKill.progress || j.state === 'completed',
      'progress after the kill',
    );
    const tookOver = (Date.now() - killedAt) / 1_000;
    const done = await waitForJob(api, admin, id, (j) => j.state === 'completed', 'the run to complete');
    const finished = (Date.now() - killedAt) / 1_000;
    const after = await grades(databaseUrl);
    const changed = await cleanRunChanges(api, admin);
    const clean = await grades(databaseUrl);

    printFigures('worker-kill', {
      enterprises: scale.recomputeEnterprises,
      JOB_LOCK_MS: LOCK_MS,
      'progress at kill (%)': atKill.progress,
      'progress after takeover (%)': moved.progress,
      'seconds to takeover': tookOver.toFixed(1),
      'seconds to finish after kill': finished.toFixed(1),
      'run result enterprises': done.result?.enterprises ?? 'none',
      'graded after': after.graded,
      'open history intervals': after.open,
      'grades changed by a clean run': changed,
      'grades equal a clean run': after.digest === clean.digest,
      'second worker alive': second.running,
    });

    expect(done.result?.enterprises).toBe(scale.recomputeEnterprises);
    expect([after.graded, after.open]).toEqual([scale.recomputeEnterprises, scale.recomputeEnterprises]);
    expect(changed).toBe(0);
    expect(after.digest).toBe(clean.digest);
    expect(second.running).toBe(true);
    // "a dead worker's jobs move on after about JOB_LOCK_MS" (README); issue 16 measured 67-112 s at 30 s
    expect(tookOver).toBeLessThan((1.5 * LOCK_MS) / 1_000 + 5);
  });
});

import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { makeUscc } from '../../src/common/uscc';
import { until } from '../helpers/until';
import { multipart } from '../helpers/multipart';
import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { get, send } from './lib/http';
import { SmallDisk } from './lib/mounts';
import { cleanUp, sharedDatabase, startRedis } from './lib/services';
import { Actors, createActors } from './lib/world';

const METRICS_TOKEN = 'drill-metrics-token-0123456789';

/**
 * The upload and export directories full (a 1 MB tmpfs filled up) and then read-only: an upload
 * is answered 5xx without any server path, nothing is left queued or half-written, an export
 * failure is logged and counted, and everything works again once the disk does.
 */
describe('drill: upload and export directories full or read-only', () => {
  let api: AppProcess;
  let worker: AppProcess;
  let databaseUrl: string;
  let actors: Actors;
  let uploads: SmallDisk;
  let exports: SmallDisk;
  let dir: string;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('disk');
    const redis = await startRedis();
    const env = drillEnv('disk', { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, METRICS_TOKEN });
    dir = env.DRILL_DIR;
    uploads = await SmallDisk.mount(env.UPLOAD_DIR);
    exports = await SmallDisk.mount(env.EXPORT_DIR);
    api = await AppProcess.start('api', env);
    worker = await AppProcess.start('worker', env);
    actors = await createActors(api);
  });

  afterAll(() => cleanUp());

  let serial = 30_000_000;
  const csv = (rows: number) =>
    [
      'uscc,name,districtCode',
      ...Array.from({ length: rows }, (_, i) => `${makeUscc('330381', serial++)},磁盘演练企业${i},330381`),
    ].join('\n');
  const upload = (rows: number) => {
    const body = multipart({ kind: 'enterprises' }, { name: 'disk.csv', content: csv(rows) });
    return send(api.url('/api/v1/imports'), {
      method: 'POST',
      token: actors.regulator,
      body: body.payload,
      contentType: body.headers['content-type'],
    });
  };
  const unfinished = async () => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM imports WHERE status IN ('queued', 'running')`);
      return rows[0].n as number;
    } finally {
      await db.end();
    }
  };
  const importDone = async (id: string) =>
    until(
      `import ${id} to finish`,
      async () => {
        const v = (await get(api.url(`/api/v1/imports/${id}`), { token: actors.regulator })).json();
        return ['completed', 'failed', 'rejected'].includes(v.status) && v;
      },
      60_000,
    );

  it('answers an upload to a full or read-only disk with a 5xx naming no path, and recovers', async () => {
    uploads.fill();
    const full = await upload(40_000); // ~2 MB, on 1 MB
    await until('no import left queued or running', async () => (await unfinished()) === 0, 30_000).catch(
      () => undefined,
    );
    const stuckFull = await unfinished();
    const leftFull = readdirSync(uploads.dir).filter((f) => f !== '.filler').length;
    uploads.free();
    const afterFull = await upload(100);
    const doneFull = afterFull.status === 202 ? await importDone(afterFull.json().id) : undefined;

    await uploads.readOnly(true);
    const readOnly = await upload(100);
    const stuckReadOnly = await unfinished();
    await uploads.readOnly(false);
    const afterReadOnly = await upload(100);
    const doneReadOnly = afterReadOnly.status === 202 ? await importDone(afterReadOnly.json().id) : undefined;

    const leaks = (body: string) => body.includes(dir) || /\/(tmp|var|data|home)\//.test(body);
    printFigures('disk: uploads', {
      'full: answer': `${full.status} ${full.body.slice(0, 160)}`,
      'full: names a path': leaks(full.body),
      'full: imports left queued/running': stuckFull,
      'full: files left behind': leftFull,
      'after freeing: import': doneFull?.status ?? `${afterFull.status}`,
      'read-only: answer': `${readOnly.status} ${readOnly.body.slice(0, 160)}`,
      'read-only: names a path': leaks(readOnly.body),
      'read-only: imports left queued/running': stuckReadOnly,
      'after remount rw: import': doneReadOnly?.status ?? `${afterReadOnly.status}`,
      'api alive': api.running,
    });

    expect([full.status >= 500, leaks(full.body)]).toEqual([true, false]);
    expect([readOnly.status >= 500, leaks(readOnly.body)]).toEqual([true, false]);
    expect([stuckFull, stuckReadOnly, leftFull]).toEqual([0, 0, 0]);
    expect([doneFull?.status, doneReadOnly?.status]).toEqual(['completed', 'completed']);
    // a server fault is logged as an error (pino level 50)
    expect(api.log()).toMatch(/"level":50/);
  });

  it('logs and counts an export that fails on a full or read-only disk, and re-runs the day', async () => {
    const beijingYesterday = new Date(Date.now() + 8 * 3600_000 - 24 * 3600_000).toISOString().slice(0, 10);
    // force: the worker wrote the (missing) day at start; a re-run without it would write nothing
    const exportDay = () =>
      send(api.url(`/api/v1/exports/${beijingYesterday}`), {
        method: 'POST',
        token: actors.admin,
        body: { force: true },
      });
    const jobState = (id: string) =>
      until<{ state: string }>(
        `export job ${id} to end`,
        async () => {
          const j = await get(api.url(`/api/v1/jobs/${id}`), { token: actors.admin });
          return j.status === 200 && ['completed', 'failed'].includes(j.json().state) ? j.json() : undefined;
        },
        120_000,
      );
    const failedCount = async () => {
      const text = (await get(api.url('/metrics'), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
      const m = text.match(
        /queue_jobs\{[^}]*queue="exports"[^}]*state="failed"[^}]*\}\s+(\d+)|queue_jobs\{[^}]*state="failed"[^}]*queue="exports"[^}]*\}\s+(\d+)/,
      );
      return Number(m?.[1] ?? m?.[2] ?? 0);
    };

    exports.fill();
    const onFull = await exportDay();
    const fullJob = onFull.status === 202 ? await jobState(onFull.json().jobId) : undefined;
    const countedFull = await failedCount();
    exports.free();
    await exports.readOnly(true);
    const onReadOnly = await exportDay();
    const readOnlyJob = onReadOnly.status === 202 ? await jobState(onReadOnly.json().jobId) : undefined;
    await exports.readOnly(false);
    const again = await exportDay();
    const againJob = again.status === 202 ? await jobState(again.json().jobId) : undefined;
    const listed = await get(api.url(`/api/v1/exports/${beijingYesterday}`), { apiKey: actors.apiKey });
    const logged = /export/i.test(worker.log()) && /"level":50/.test(worker.log());

    printFigures('disk: exports', {
      'POST /exports/{date} when full': `${onFull.status}`,
      'full: job': fullJob?.state ?? 'none',
      'failed exports counted (metric)': countedFull,
      'read-only: job': readOnlyJob?.state ?? 'none',
      'error logged by the worker': logged,
      're-run after recovery: job': againJob?.state ?? `${again.status}`,
      'the day listed after': listed.status,
      'worker alive': worker.running,
    });

    expect(onFull.status).toBe(202);
    expect([fullJob?.state, readOnlyJob?.state]).toEqual(['failed', 'failed']);
    expect(countedFull).toBeGreaterThan(0);
    expect(logged).toBe(true);
    expect(againJob?.state).toBe('completed');
    expect(listed.status).toBe(200);
    expect(worker.running).toBe(true);
  });
});

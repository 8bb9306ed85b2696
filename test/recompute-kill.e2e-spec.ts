import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClassificationService } from '../src/classification/classification.service';
import { makeUscc } from '../src/common/uscc';
import { TestApp } from './helpers/test-app';

/** The compiled worker: `npm test` builds before it runs Jest. */
const WORKER = join(__dirname, '../dist/src/worker.js');
const ENTERPRISES = 20_000;

describe('full recompute survives a worker killed in the middle', () => {
  let t: TestApp;
  const workers: ChildProcess[] = [];

  const startWorker = () => {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, ...t.env, ROLE: 'worker', PORT: '0', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workers.push(child);
    return child;
  };

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` (npm test does)`);
    // The api only: the workers are the separate processes this test starts and kills.
    t = await TestApp.start(__filename, { ROLE: 'api', JOB_LOCK_MS: '1500' });
    const codes = Array.from({ length: ENTERPRISES }, (_, i) =>
      makeUscc(['330302', '330303', '330381'][i % 3], 5_000_000 + i),
    );
    await t.sql(
      `INSERT INTO enterprises (uscc, name, district_code, registered_on)
       SELECT u, '测试企业' || n, (ARRAY['330302', '330303', '330381'])[1 + n % 3], DATE '2005-01-01'
         FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`,
      [codes],
    );
    // Two or three records each, of assorted types, so that grades spread over A to D.
    await t.sql(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, disclosed, department_code)
       SELECT e.id, (ARRAY['spot_check_fail', 'administrative_penalty', 'quality_award', 'spot_check_pass', 'license_revoked'])[1 + (e.id * 7 + k) % 5],
              (ARRAY['minor', 'general', 'serious', 'critical'])[1 + (e.id + k) % 4],
              DATE '2026-01-01' - ((e.id * 13 + k * 101) % 1500)::int, 'K-' || e.id || '-' || k, '记录', true, 'QTS'
         FROM enterprises e CROSS JOIN generate_series(1, 2 + (SELECT 0)) k
        WHERE e.id % 17 <> 0`,
    );
  });

  afterAll(async () => {
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await t.close();
  });

  it('completes after a restart, with the grades a clean run gives', async () => {
    const admin = await t.loginAdmin();
    const job = async (id: string) =>
      (await t.request({ method: 'GET', url: `/api/v1/jobs/${id}`, token: admin })).json();
    const first = startWorker();
    const started = await t.request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
    expect(started.statusCode).toBe(202);
    const { jobId } = started.json();

    // Kill the worker once the run is well under way.
    for (
      let status = await job(jobId);
      !(status.state === 'active' && status.progress >= 20);
      status = await job(jobId)
    ) {
      expect(status.state).not.toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const graded = Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM classifications`))[0].n);
    expect(graded).toBeGreaterThan(0);
    expect(graded).toBeLessThan(ENTERPRISES);

    startWorker();
    let status = await job(jobId);
    for (
      const deadline = Date.now() + 60_000;
      status.state !== 'completed' && Date.now() < deadline;
      status = await job(jobId)
    ) {
      expect(status.state).not.toBe('failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatchObject({ state: 'completed', result: { enterprises: ENTERPRISES } });

    // Every enterprise has a grade, one open history interval, and a clean run changes nothing.
    const [{ grades, open, distinct }] = await t.sql<{ grades: string; open: string; distinct: string }>(
      `SELECT (SELECT count(*) FROM classifications) AS grades,
              (SELECT count(*) FROM classification_history WHERE valid_to IS NULL) AS open,
              (SELECT count(DISTINCT grade) FROM classifications) AS distinct`,
    );
    expect([Number(grades), Number(open)]).toEqual([ENTERPRISES, ENTERPRISES]);
    expect(Number(distinct)).toBeGreaterThanOrEqual(3);
    const ids = (await t.sql<{ id: string }>(`SELECT id::text FROM enterprises ORDER BY id`)).map((r) => r.id);
    const service = t.app.get(ClassificationService);
    let changed = 0;
    for (let i = 0; i < ids.length; i += 2_000)
      changed += (await service.recompute({ enterpriseIds: ids.slice(i, i + 2_000) })).changed;
    expect(changed).toBe(0);
  });
});

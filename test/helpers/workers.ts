import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClassificationService } from '../../src/classification/classification.service';
import { makeUscc } from '../../src/common/uscc';
import { QueueName } from '../../src/jobs/queues';
import { freePort } from './private-redis';
import { TestApp } from './test-app';
import { until } from './until';

/** The compiled worker: `npm test` builds before it runs Jest. */
const WORKER = join(__dirname, '../../dist/src/worker.js');
/** The workers' log lines at this level and above go to the test's output (TEST_WORKER_LOG_LEVEL=info to follow them). */
const WORKER_LOG_LEVEL = process.env.TEST_WORKER_LOG_LEVEL ?? 'error';

/** Worker processes (the compiled worker role) on a test app's database and Redis, killed at the end. */
export class Workers {
  private readonly started: ChildProcess[] = [];

  constructor(private readonly t: TestApp) {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` (npm test does)`);
  }

  /** Starts a worker and waits until it answers on its health port. */
  async start(env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
    const worker = await this.launch(env);
    await until(
      'the worker to listen',
      async () => {
        if (!alive(worker.child))
          throw new Error(`the worker exited (${worker.child.exitCode ?? worker.child.signalCode})`);
        return worker.live();
      },
      30_000,
      50,
    );
    return worker.child;
  }

  /**
   * Starts a worker without waiting for it; `output` gets its log (stdout) as it comes, at
   * `env.LOG_LEVEL`. `live()` tells whether it answers on its health port.
   */
  async launch(
    env: NodeJS.ProcessEnv = {},
    output?: (chunk: string) => void,
  ): Promise<{ child: ChildProcess; live: () => Promise<boolean> }> {
    const port = await freePort();
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, ...this.t.env, ROLE: 'worker', PORT: String(port), LOG_LEVEL: WORKER_LOG_LEVEL, ...env },
      stdio: ['ignore', output ? 'pipe' : WORKER_LOG_LEVEL === 'error' ? 'ignore' : 'inherit', 'inherit'],
    });
    if (output) child.stdout?.on('data', (chunk: Buffer) => output(chunk.toString()));
    this.started.push(child);
    const live = () =>
      fetch(`http://127.0.0.1:${port}/health/live`).then(
        (res) => res.ok,
        () => false,
      );
    return { child, live };
  }

  /** How many of the workers started are still running. */
  get running(): number {
    return this.started.filter(alive).length;
  }

  async kill(child: ChildProcess): Promise<void> {
    if (!alive(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.map((child) => this.kill(child)));
  }
}

/** The keys of the schedules a worker keeps (registered again when Redis comes back empty). */
export const SCHEDULES = [
  'audit-checkpoint',
  'blacklist-expiry',
  'daily-exports',
  'nightly-recompute',
  'query-log-months',
];

/** Whether Redis holds the worker's schedules, all of them and no other. */
export async function schedulesKept(t: TestApp): Promise<boolean> {
  const jobs = await Promise.all(
    [QueueName.Recomputes, QueueName.Maintenance, QueueName.Exports].map((name) =>
      t.app.get<Queue>(getQueueToken(name)).getRepeatableJobs(),
    ),
  );
  const keys = jobs
    .flat()
    .map((job) => job.id)
    .sort();
  return keys.join() === SCHEDULES.join();
}

export const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** `count` enterprises with two records each (one in 17 with none), so that grades spread over A to D. */
export async function seedGradingWorld(t: TestApp, count: number): Promise<void> {
  const codes = Array.from({ length: count }, (_, i) => makeUscc(['330302', '330303', '330381'][i % 3], 5_000_000 + i));
  await t.sql(
    `INSERT INTO enterprises (uscc, name, district_code, registered_on)
     SELECT u, '测试企业' || n, (ARRAY['330302', '330303', '330381'])[1 + n % 3], DATE '2005-01-01'
       FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`,
    [codes],
  );
  await t.sql(
    `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, disclosed, department_code)
     SELECT e.id, (ARRAY['spot_check_fail', 'administrative_penalty', 'quality_award', 'spot_check_pass', 'license_revoked'])[1 + (e.id * 7 + k) % 5],
            (ARRAY['minor', 'general', 'serious', 'critical'])[1 + (e.id + k) % 4],
            DATE '2026-01-01' - ((e.id * 13 + k * 101) % 1500)::int, 'K-' || e.id || '-' || k, '记录', true, 'QTS'
       FROM enterprises e CROSS JOIN generate_series(1, 2) k
      WHERE e.id % 17 <> 0`,
  );
}

/**
 * Whether every enterprise has the grade a clean run gives: each has a grade and one open history
 * interval, and recomputing them all (in this process) changes nothing.
 */
export async function gradedAsACleanRun(t: TestApp): Promise<{ enterprises: number; changed: number }> {
  const [{ grades, open }] = await t.sql<{ grades: string; open: string }>(
    `SELECT (SELECT count(*) FROM classifications) AS grades,
            (SELECT count(*) FROM classification_history WHERE valid_to IS NULL) AS open`,
  );
  const ids = (await t.sql<{ id: string }>(`SELECT id FROM enterprises ORDER BY id`)).map((r) => r.id);
  expect([Number(grades), Number(open)]).toEqual([ids.length, ids.length]);
  const service = t.app.get(ClassificationService);
  let changed = 0;
  for (let i = 0; i < ids.length; i += 2_000)
    changed += (await service.recompute({ enterpriseIds: ids.slice(i, i + 2_000) })).changed;
  return { enterprises: ids.length, changed };
}

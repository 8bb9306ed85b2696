import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reachable } from '../../test/drills/lib/app';
import { until } from '../../test/helpers/until';
import { alive, logFile, pidFile, readPid, spawnDetached, stopByPidFile } from './engines/daemon';

const DIST = join(__dirname, '../../dist/src');

/** One process of the built app in the topology: `api1`, `worker2`, … */
export interface AppSpec {
  name: string;
  role: 'api' | 'worker';
  port: number;
}

export const at = (base: string): Reachable => ({ url: (path: string) => `${base}${path}` });

/**
 * Starts `app` detached (the api as `ROLE=api node dist/src/main.js`, the worker as
 * `node dist/src/worker.js`, which sets ROLE=worker) and waits for its /health/ready: the
 * database migrated and reachable, Redis answering.
 */
export async function startApp(root: string, app: AppSpec, env: Record<string, string>): Promise<void> {
  const entry = join(DIST, app.role === 'worker' ? 'worker.js' : 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  spawnDetached(root, app.name, process.execPath, [entry], {
    env: { ...process.env, ...env, ROLE: app.role, PORT: String(app.port) },
  });
  await until(
    `${app.name} to answer /health/ready; its log: ${logFile(root, app.name)}`,
    async () => {
      if (!appRunning(root, app)) throw new Error(`${app.name} exited at start:\n${appLog(root, app).slice(-3000)}`);
      const answer = await fetch(`http://127.0.0.1:${app.port}/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      }).catch(() => undefined);
      return answer?.status === 200;
    },
    180_000,
    200,
  );
}

const appPid = (root: string, app: AppSpec) => readPid(pidFile(root, app.name));

/** SIGKILL, as a crashed process or a lost machine; returns once it is gone. */
export async function killApp(root: string, app: AppSpec): Promise<void> {
  const pid = appPid(root, app);
  if (alive(pid)) process.kill(pid!, 'SIGKILL');
  await until(`${app.name} to die`, async () => !alive(pid), 10_000, 20);
}

/** SIGTERM: the app drains (answers 503 to new requests meanwhile) and exits. */
export const stopApp = (root: string, app: AppSpec) => stopByPidFile(pidFile(root, app.name), 'SIGTERM', 30_000);

export const appRunning = (root: string, app: AppSpec) => alive(appPid(root, app));

export const appPidOf = appPid;

export const appLog = (root: string, app: AppSpec) => {
  const file = logFile(root, app.name);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};

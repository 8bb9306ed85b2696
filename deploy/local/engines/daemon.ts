import { spawn, SpawnOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { until } from '../../../test/helpers/until';

/**
 * The processes of the local topology (database servers, Redis, HAProxy, the app): each runs
 * detached from the script that started it, logs to `<root>/<name>.log` and leaves its pid in
 * `<root>/<name>.pid`, so that `up` and `down` can be separate commands (and a test that dies
 * still leaves what `down` needs to stop them).
 */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
}

export const pidFile = (root: string, name: string): string => join(root, `${name}.pid`);
export const logFile = (root: string, name: string): string => join(root, `${name}.log`);

/** Starts `command` detached (its own process group), its output appended to its log, and writes its pid file. */
export function startDaemon(
  root: string,
  name: string,
  command: string,
  args: readonly string[],
  options: Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> = {},
): Daemon {
  mkdirSync(root, { recursive: true });
  const log = logFile(root, name);
  const out = openSync(log, 'a');
  try {
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    child.on('error', () => undefined); // a missing binary: reported by whoever waits for the port
    child.unref();
    writeFileSync(pidFile(root, name), `${child.pid}\n`);
    return { name, pid: child.pid, log };
  } finally {
    closeSync(out);
  }
}

/** The pid in `name`'s pid file, if it names a process still running. */
export function runningPid(root: string, name: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(root, name), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops `name`: `signal` (SIGTERM, a clean stop) and, if it is still there after `graceMs`,
 * SIGKILL; resolves once it is gone, and removes its pid file. Nothing running: nothing to do.
 */
export async function stopDaemon(root: string, name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  const pid = runningPid(root, name);
  if (pid !== undefined) {
    signalQuietly(pid, signal);
    const gone = await until(`${name} (pid ${pid}) to exit`, async () => !alive(pid), graceMs, 50).catch(() => false);
    if (!gone) {
      signalQuietly(pid, 'SIGKILL');
      await until(`${name} (pid ${pid}) to exit after SIGKILL`, async () => !alive(pid), 10_000, 50);
    }
  }
  rmSync(pidFile(root, name), { force: true });
}

/** SIGKILL: a crash, no shutdown of any kind. */
export function killDaemon(root: string, name: string): Promise<void> {
  return stopDaemon(root, name, 'SIGKILL', 10_000);
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, what: string, ms = 30_000): Promise<void> {
  await until(`${what} to listen on port ${port}`, () => accepts(port), ms, 100);
}

export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, host);
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // exited in between
  }
}

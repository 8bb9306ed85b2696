import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '../../../test/helpers/until';

/*
 * Processes the engines start outlive the script that started them (`topology up` and `down` are
 * two commands): each is spawned detached, with its pid in `<root>/<name>.pid` and its output in
 * `<root>/<name>.log`, so that a later process finds and stops it by the pid file alone.
 */

export const run = promisify(execFile);

export const pidFile = (root: string, name: string) => join(root, `${name}.pid`);
export const logFile = (root: string, name: string) => join(root, `${name}.log`);

/** Starts `command` detached from this process, its output appended to its log; returns its pid. */
export function spawnDetached(
  root: string,
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number } = {},
): number {
  const log = openSync(logFile(root, name), 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
      cwd: options.cwd ?? root,
      uid: options.uid,
      gid: options.gid,
    });
    if (!child.pid) throw new Error(`${name}: ${command} did not start`);
    child.unref();
    writeFileSync(pidFile(root, name), `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The pid in a pid file (ours, or the first line of PostgreSQL's postmaster.pid), or null when there is none. */
export function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0], 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Whether `pid` names a live process (signal 0 delivers nothing; EPERM still means alive). */
export function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => resolve(false));
  });
}

export async function waitForPort(port: number, what: string, ms = 30_000): Promise<void> {
  await until(`${what} to listen on ${port}`, () => portOpen(port), ms, 50);
}

/**
 * Stops the process of a pid file: `signal` first (SIGTERM: its own shutdown), SIGKILL when it
 * is still there after `graceMs`; waits until it is gone. Nothing to do when it is not running.
 */
export async function stopByPidFile(file: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  const pid = readPid(file);
  if (!alive(pid)) return;
  process.kill(pid!, signal);
  try {
    await until(`pid ${pid} to exit`, async () => !alive(pid), graceMs, 50);
  } catch {
    if (alive(pid)) process.kill(pid!, 'SIGKILL');
    await until(`pid ${pid} to exit after SIGKILL`, async () => !alive(pid), 5_000, 50);
  }
}

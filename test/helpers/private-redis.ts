import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createConnection, createServer } from 'node:net';
import type { TestApp } from './test-app';
import { until } from './until';

/** A TCP port free at the moment of asking, for a server a test starts itself. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A redis-server of one test file alone, on a fixed port, without persistence: a restart empties it. */
export class PrivateRedis {
  private process?: ChildProcess;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = await PrivateRedis.create();
    await redis.restart();
    return redis;
  }

  /** One on a free port, not started yet (`restart()` starts it): for a caller that registers its teardown first. */
  static async create(): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort());
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again, on the same port) and waits until it answers PING. */
  async restart(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const process = this.process;
    await until('redis-server to answer PING', async () => process.exitCode === null && this.ping(), 10_000, 50);
  }

  /** Kills the server at once (SIGKILL: no shutdown, no save) and waits for it to be gone. */
  async kill(): Promise<void> {
    const process = this.process;
    this.process = undefined;
    if (!process || process.exitCode !== null || process.signalCode !== null) return;
    const exited = new Promise((resolve) => process.once('exit', resolve));
    process.kill('SIGKILL');
    await exited;
  }

  /** Sends SIGKILL without waiting: for a process `exit` handler, where nothing asynchronous runs. */
  killNow(): void {
    this.process?.kill('SIGKILL');
  }

  ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection(this.port, '127.0.0.1');
      let answer = '';
      socket.setTimeout(1_000, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        answer += chunk.toString();
        if (answer.includes('\r\n')) socket.end();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(answer.startsWith('+PONG')));
    });
  }
}

/**
 * Tears down what a test on a private Redis started (afterAll, with whatever beforeAll got to):
 * its workers, then the app with its Redis answering (Bull's close throws from a reconnecting
 * client otherwise: "Redis is already connecting/connected", uncaught), the server last whatever
 * failed before.
 */
export async function closeOnPrivateRedis(
  redis: PrivateRedis | undefined,
  t: TestApp | undefined,
  workers?: { killAll(): Promise<void> },
): Promise<void> {
  try {
    await workers?.killAll();
    if (redis && !redis.running) await redis.restart();
    await t?.close();
  } finally {
    await redis?.kill();
  }
}

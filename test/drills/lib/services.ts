import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { acceptsConnections } from '../../../deploy/local/engines/postgres';
import { freePort, PrivateRedis } from '../../helpers/private-redis';
import { until } from '../../helpers/until';

const run = promisify(execFile);

/**
 * Everything a drill starts is registered here and torn down by `cleanUp()` (each drill's
 * afterAll), and synchronously on process exit if a drill dies first: no cluster, server or
 * process outlives its run.
 */
const cleanups: { name: string; async: () => Promise<void>; sync: () => void }[] = [];

function register(name: string, async: () => Promise<void>, sync: () => void): void {
  cleanups.push({ name, async, sync });
}

export async function cleanUp(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length) {
    const next = cleanups.pop()!;
    try {
      await next.async();
    } catch (error) {
      errors.push(new Error(`cleaning up ${next.name}: ${(error as Error).message}`));
    }
  }
  if (errors.length) throw errors[0];
}

process.once('exit', () => {
  for (const next of cleanups.reverse()) {
    try {
      next.sync();
    } catch {
      // exiting anyway: the rest still gets its chance
    }
  }
});

export { freePort };

export const uniqueSuffix = () => randomBytes(3).toString('hex');

const PG_VERSION =
  process.env.DRILL_PG_VERSION ??
  readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))[0];

/**
 * A PostgreSQL cluster of one drill (`pg_createcluster`, trust on 127.0.0.1), which the drill may
 * stop however it likes; the shared server on 5432 is never touched. Needs root, as CI runs.
 */
export class PgCluster {
  private constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  static async create(tag: string): Promise<PgCluster> {
    const cluster = new PgCluster(`drill_${tag}_${uniqueSuffix()}`, await freePort());
    register(
      `cluster ${cluster.name}`,
      () => cluster.drop(),
      () => execFileSync('pg_dropcluster', [PG_VERSION, cluster.name, '--stop'], { stdio: 'ignore' }),
    );
    await run('pg_createcluster', [
      PG_VERSION,
      cluster.name,
      '-p',
      String(cluster.port),
      '--start-conf=manual',
      '--',
      '--auth=trust',
    ]);
    await cluster.start();
    return cluster;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION, this.name, 'start']);
    await until(`cluster ${this.name} to accept connections`, () => this.ready(), 30_000, 100);
  }

  /** `immediate`: like a crash, no checkpoint; the server recovers from its WAL on the next start. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION, this.name, 'stop', '-m', mode]);
  }

  ready(): Promise<boolean> {
    return acceptsConnections(this.url('postgres'));
  }

  async drop(): Promise<void> {
    await run('pg_dropcluster', [PG_VERSION, this.name, '--stop']).catch(async (error: Error) => {
      // already gone is fine
      const { stdout } = await run('pg_lsclusters', ['-h']);
      if (stdout.split('\n').some((line) => line.split(/\s+/)[1] === this.name)) throw error;
    });
  }
}

/**
 * A redis-server of one drill (test/helpers/private-redis.ts), without persistence: killed with
 * SIGKILL it comes back empty. Registered before it is started, so that nothing outlives the run.
 */
export async function startRedis(): Promise<PrivateRedis> {
  const redis = await PrivateRedis.create();
  register(
    `redis-server :${redis.port}`,
    () => redis.kill(),
    () => redis.killNow(),
  );
  await redis.restart();
  return redis;
}

/** A database of its own on the shared server (5432), for drills that never stop PostgreSQL. */
export async function sharedDatabase(tag: string): Promise<string> {
  const server = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
  const name = `qc_drill_${tag}_${uniqueSuffix()}`;
  const drop = async () => {
    const client = new Client({ connectionString: `${server}/postgres` });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  register(`database ${name}`, drop, () =>
    execFileSync('psql', [`${server}/postgres`, '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], {
      stdio: 'ignore',
    }),
  );
  return `${server}/${name}`; // the app creates and migrates it at start
}

/** Registers a teardown step of a drill's own (a receiver, a mount), run with the rest. */
export function onCleanUp(name: string, async: () => Promise<void>, sync: () => void = () => undefined): void {
  register(name, async, sync);
}

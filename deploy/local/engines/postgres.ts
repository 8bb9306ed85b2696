import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { until } from '../../../test/helpers/until';
import { alive, pidFile, readPid, run, spawnDetached, stopByPidFile, waitForPort } from './daemon';

/*
 * PostgreSQL servers of the local topology and of the tests that stop them: Debian's binaries
 * (postgresql-15), each server a data directory of its own under `root/<name>/`, run as the
 * `postgres` user (the server refuses root). pg_ctl daemonises the server and PostgreSQL's own
 * postmaster.pid is the pid file, so a later `down` finds it from `root` alone.
 */

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface PgServer {
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  url(database: string, user?: string): string;
  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** `immediate`: a crash (no checkpoint; the next start recovers from the WAL). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  running(): Promise<boolean>;
}

/** Runs one of PostgreSQL's programs as the postgres user. */
function asPostgres(program: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('runuser', ['-u', OS_USER, '--', join(BIN, program), ...args], { maxBuffer: 16 * 1024 * 1024 });
}

function postgresUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${OS_USER}:`));
  if (!line) throw new Error('no postgres user: install the postgresql package');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** `root/<name>`, owned by postgres; root itself made passable (mkdtemp makes it 0700). */
function serverDir(root: string, name: string): string {
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = postgresUid();
  chownSync(dir, uid, gid);
  return dir;
}

/** Whether the server of `url` accepts a connection and answers a statement, within a second. */
export async function acceptsConnections(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What a later process needs to re-attach (pgServerAt): written beside the server's directory. */
const metaFile = (root: string, name: string) => join(root, `${name}.json`);

class Server implements PgServer {
  readonly dataDir: string;
  private readonly logPath: string;

  constructor(
    readonly root: string,
    readonly name: string,
    readonly port: number,
  ) {
    this.dataDir = join(root, name, 'data');
    this.logPath = join(root, name, 'postgres.log');
  }

  url(database: string, user = 'postgres'): string {
    return `postgres://${encodeURIComponent(user)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  async start(): Promise<void> {
    // -w waits for the server to accept connections; the server stays detached from this process.
    await asPostgres('pg_ctl', ['start', '-w', '-t', '60', '-D', this.dataDir, '-l', this.logPath]);
    await until(`${this.name} to accept connections`, () => this.ready(), 30_000, 100);
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!(await this.running())) return;
    await asPostgres('pg_ctl', ['stop', '-w', '-t', '60', '-m', mode, '-D', this.dataDir]);
  }

  async running(): Promise<boolean> {
    return alive(readPid(join(this.dataDir, 'postmaster.pid')));
  }

  ready(): Promise<boolean> {
    return acceptsConnections(this.url('postgres'));
  }
}

/** Settings of every server (a replica inherits the primary's file through the base backup). */
function settings(port: number, socketDir: string): string {
  return [
    '',
    '# deploy/local/engines/postgres.ts',
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = replica',
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    'hot_standby = on',
    // The replica tells the primary which rows its queries still read, so vacuum on the primary
    // does not cancel a long public read (an export) on the replica.
    'hot_standby_feedback = on',
    'max_connections = 200',
    // Several servers share one small machine in the topology and the tests.
    'shared_buffers = 64MB',
    `log_line_prefix = '%m [%p] %q%a '`,
    '',
  ].join('\n');
}

/** initdb + start: trust on 127.0.0.1, wal_level=replica, room for replicas' WAL senders and slots. */
export async function startPrimary(root: string, port: number, name = 'primary'): Promise<PgServer> {
  const dir = serverDir(root, name);
  const server = new Server(root, name, port);
  if (!existsSync(join(server.dataDir, 'PG_VERSION'))) {
    await asPostgres('initdb', ['-D', server.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    const conf = join(server.dataDir, 'postgresql.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8') + settings(port, dir));
    const hba = join(server.dataDir, 'pg_hba.conf');
    writeFileSync(
      hba,
      [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'local replication all trust',
        'host replication all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    );
  }
  writeFileSync(metaFile(root, name), JSON.stringify({ port }));
  await server.start();
  return server;
}

/**
 * pg_basebackup -R -X stream from `primary` through a physical replication slot of the replica's
 * name (the primary keeps the WAL the replica has not received, however long it is away), then
 * started as a hot standby.
 */
export async function startReplica(primary: PgServer, root: string, port: number, name = 'replica'): Promise<PgServer> {
  const dir = serverDir(root, name);
  const server = new Server(root, name, port);
  if (!existsSync(join(server.dataDir, 'PG_VERSION'))) {
    const slot = name.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
    await asPostgres('pg_basebackup', [
      '-d',
      primary.url('postgres'),
      '-D',
      server.dataDir,
      '-R',
      '-X',
      'stream',
      '-C',
      '-S',
      slot,
      '--no-sync',
      '-c',
      'fast',
    ]);
    const auto = join(server.dataDir, 'postgresql.auto.conf');
    // The base backup carries the primary's port and socket directory: this server listens on its
    // own, and names itself to the primary (pg_stat_replication's application_name).
    writeFileSync(
      auto,
      readFileSync(auto, 'utf8').replace(
        /primary_conninfo = '(.*)'/,
        (_, conninfo: string) => `primary_conninfo = '${conninfo} application_name=${slot}'`,
      ) + `port = ${port}\nunix_socket_directories = '${dir}'\n`,
    );
  }
  writeFileSync(metaFile(root, name), JSON.stringify({ port }));
  await server.start();
  return server;
}

/** Re-attaches to a server `root` holds (for `down`, or a drill run in a later process). */
export function pgServerAt(root: string, name: string): PgServer {
  const { port } = JSON.parse(readFileSync(metaFile(root, name), 'utf8')) as { port: number };
  return new Server(root, name, port);
}

export interface PgBouncerHandle {
  port: number;
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * A PgBouncer in front of `target` (a server, or a load balancer's port in front of one; any
 * database, as user postgres, trust), in the given pool
 * mode. It refuses to run as root, so it runs as the postgres user; detached, with a pid file in `root`.
 */
export async function startPgBouncer(
  root: string,
  port: number,
  target: Pick<PgServer, 'port'>,
  mode: 'session' | 'transaction',
  name = `pgbouncer-${port}`,
  /** Server connections per database and user: in session mode each client holds one, so at least the apps' pools together. */
  poolSize = 40,
): Promise<PgBouncerHandle> {
  const dir = serverDir(root, name);
  const ini = join(dir, 'pgbouncer.ini');
  const users = join(dir, 'userlist.txt');
  writeFileSync(users, '"postgres" ""\n');
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${target.port}`,
      '[pgbouncer]',
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${users}`,
      `pool_mode = ${mode}`,
      'max_client_conn = 500',
      `default_pool_size = ${poolSize}`,
      // after a failed connect (a failover under way) try again within a second, not the default 15 s
      'server_login_retry = 1',
      // node-postgres sends `options` when the app sets its session's jit=off (data-source.ts);
      // PgBouncer ≤ 1.19 refuses any startup parameter it does not know rather than pass it on.
      'ignore_startup_parameters = extra_float_digits,options',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const { uid, gid } = postgresUid();
  chownSync(ini, uid, gid);
  chownSync(users, uid, gid);
  spawnDetached(root, name, 'pgbouncer', [ini], { uid, gid });
  await waitForPort(port, name);
  const stop = () => pgBouncerStop(root, name);
  return { port, url: (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`, stop };
}

/** Stops a PgBouncer of `root` (SIGTERM: it closes its connections and exits). */
export function pgBouncerStop(root: string, name: string): Promise<void> {
  return stopByPidFile(pidFile(root, name));
}

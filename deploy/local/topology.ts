/**
 * The registry's scale-out topology on one machine, from Debian's packages and the built app:
 *
 *   npm run build
 *   npm run topology -- up [--reduced] [--redis cluster|sentinel] [--root DIR] [--port-base N]
 *   npm run topology -- drill [--root DIR]
 *   npm run topology -- down [--root DIR]
 *
 * `up` starts PostgreSQL (a primary and a streaming replica; in the full set two nodes under
 * Patroni with one etcd, reached through HAProxy), Redis (a cluster of three masters and three
 * replicas, or a master, a replica and three sentinels), two api and two worker processes, and
 * HAProxy in front of the apis; it writes what it started to `<root>/topology.json` and prints
 * the URLs. `drill` runs the drills against it (deploy/local/drills.ts) and writes their figures
 * to docs/scale-out.md; `down` stops everything and removes the root. docs/scale-out.md, section
 * "topology (deploy/local)", explains it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN } from '../../test/drills/lib/app';
import { AppSpec, startApp, stopApp } from './apps';
import { alive, pidFile, readPid, stopByPidFile } from './engines/daemon';
import { pgBouncerStop, pgServerAt, startPgBouncer, startPrimary, startReplica } from './engines/postgres';
import { redisClusterAt, startRedisCluster, startSentinel } from './engines/redis';
import { startHaproxy, stopHaproxy, waitForServer } from './haproxy';
import { patroniNodes, startPatroni, stopPatroni } from './patroni';
import { DEFAULT_PORT_BASE, DEFAULT_ROOT, loadTopology, portsFrom, saveTopology, stateFile, Topology } from './state';

const DATABASE = 'qc';

export interface UpOptions {
  root?: string;
  reduced?: boolean;
  redis?: 'cluster' | 'sentinel';
  portBase?: number;
  /** Job lock of the workers: a SIGKILLed worker's jobs move on after about this long. */
  jobLockMs?: number;
  log?: (line: string) => void;
}

/** The name PgBouncer's pid file and directory go under in the root. */
const PGBOUNCER = 'pgbouncer';

export async function up(options: UpOptions = {}): Promise<Topology> {
  const root = options.root ?? DEFAULT_ROOT;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const reduced = options.reduced ?? false;
  const redisKind = options.redis ?? 'cluster';
  const portBase = options.portBase ?? DEFAULT_PORT_BASE;
  const ports = portsFrom(portBase);
  if (existsSync(stateFile(root)))
    throw new Error(`a topology runs at ${root} already: \`npm run topology -- down\` first`);
  mkdirSync(root, { recursive: true });
  // PostgreSQL and Patroni run as postgres, under this directory
  chmodSync(root, 0o755);
  const started = Date.now();
  const step = (what: string) => log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

  const topology: Partial<Topology> & { root: string } = { root };
  try {
    let primaryUrl: string;
    let replicaUrl: string;
    const haproxyPorts = { http: ports.http, stats: ports.stats } as Topology['haproxy'];
    if (reduced) {
      step(`PostgreSQL primary on ${ports.pg[0]}, streaming replica on ${ports.pg[1]}`);
      const primary = await startPrimary(root, ports.pg[0], 'pg-primary');
      const replica = await startReplica(primary, root, ports.pg[1], 'pg-replica');
      primaryUrl = primary.url(DATABASE);
      replicaUrl = replica.url(DATABASE);
      topology.pg = { kind: 'streaming', primary: primary.name, replica: replica.name, ports: ports.pg };
    } else {
      const patroniPorts = {
        etcdClient: ports.etcdClient,
        etcdPeer: ports.etcdPeer,
        nodes: ports.pg.map((port, i) => ({ port, restPort: ports.patroniRest[i] })),
      };
      step(
        `etcd on ${ports.etcdClient}, Patroni nodes on ${ports.pg.join(', ')} (REST ${ports.patroniRest.join(', ')})`,
      );
      topology.pg = { kind: 'patroni', ports: patroniPorts, nodes: patroniNodes(root, patroniPorts) };
      saveTopology(topology as Topology); // a failed up leaves enough for down
      await startPatroni(root, patroniPorts);
      haproxyPorts.pgPrimary = ports.pgPrimaryFrontend;
      haproxyPorts.pgReplica = ports.pgReplicaFrontend;
      primaryUrl = `postgres://postgres@127.0.0.1:${ports.pgPrimaryFrontend}/${DATABASE}`;
      replicaUrl = `postgres://postgres@127.0.0.1:${ports.pgReplicaFrontend}/${DATABASE}`;
    }
    saveTopology(topology as Topology);

    // The apps reach the primary through PgBouncer in session mode, the mode Debian's 1.18 serves
    // them in (named prepared statements, the migrations' session lock: docs/scale-out.md,
    // "PgBouncer"); in the full set it sits before HAProxy's Patroni-checked frontend, so a
    // failover is followed without telling PgBouncer. Replica reads go to the replicas directly.
    step(`PgBouncer (session mode) on ${ports.pgbouncer}`);
    const primaryPort = reduced ? ports.pg[0] : ports.pgPrimaryFrontend;
    // Each app's pool is 20, and in session mode each of its connections holds one server's.
    const bouncer = await startPgBouncer(root, ports.pgbouncer, { port: primaryPort }, 'session', PGBOUNCER, 120);

    const redisEnv: Record<string, string> = {};
    if (redisKind === 'cluster') {
      step(`Redis Cluster on ${ports.redisCluster.join(', ')}`);
      // the cluster bus 100 above each node's port (Redis's own 10 000 would leave the port range)
      const cluster = await startRedisCluster(root, ports.redisCluster, 100);
      topology.redis = { kind: 'cluster', ports: cluster.ports, seeds: cluster.seeds };
      redisEnv.REDIS_CLUSTER_NODES = cluster.seeds;
    } else {
      step(
        `Redis master ${ports.sentinel.master}, replica ${ports.sentinel.replica}, sentinels ${ports.sentinel.sentinels.join(', ')}`,
      );
      // passwords on the servers and on the sentinels, apart, as a Helm chart sets them up
      const auth = {
        password: randomBytes(18).toString('base64url'),
        sentinelPassword: randomBytes(18).toString('base64url'),
      };
      const sentinel = await startSentinel(root, ports.sentinel, 'qc', auth);
      topology.redis = { kind: 'sentinel', ports: ports.sentinel, url: sentinel.url };
      redisEnv.REDIS_URL = sentinel.url;
      redisEnv.REDIS_SENTINEL_PASSWORD = auth.sentinelPassword;
    }
    saveTopology(topology as Topology);

    const apps: AppSpec[] = [
      { name: 'api1', role: 'api', port: ports.apps.api1 },
      { name: 'api2', role: 'api', port: ports.apps.api2 },
      { name: 'worker1', role: 'worker', port: ports.apps.worker1 },
      { name: 'worker2', role: 'worker', port: ports.apps.worker2 },
    ];
    topology.apps = apps;
    step(`HAProxy on ${ports.http} (stats http://127.0.0.1:${ports.stats}/stats)`);
    await startHaproxy(root, haproxyPorts, {
      apis: apps.filter((a) => a.role === 'api').map((a) => ({ name: a.name, port: a.port })),
      ...(topology.pg.kind === 'patroni' ? { patroni: topology.pg.nodes } : {}),
    });
    topology.haproxy = haproxyPorts;

    const files = join(root, 'files');
    const env: Record<string, string> = {
      DATABASE_URL: bouncer.url(DATABASE),
      DATABASE_REPLICA_URLS: replicaUrl,
      ...redisEnv,
      REDIS_PREFIX: 'qc',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      // one secret for both apis: a token one signs the other accepts
      JWT_SECRET: randomBytes(32).toString('hex'),
      JWT_TTL_SECONDS: '86400',
      // the workers log each chunk they grade (info); the apis' request lines would only fill the disk
      LOG_LEVEL: 'info',
      // a volume every process shares, as a deployment mounts one
      UPLOAD_DIR: join(files, 'uploads'),
      EXPORT_DIR: join(files, 'exports'),
      EVIDENCE_DIR: join(files, 'evidence'),
      JOB_LOCK_MS: String(options.jobLockMs ?? 10_000),
      TRUST_PROXY: '127.0.0.1',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '1000',
      PUBLIC_RATE_LIMIT: '1000000',
      // the drills read /metrics (reads given to each replica or the primary) with it
      METRICS_TOKEN: randomBytes(24).toString('hex'),
    };
    topology.env = env;
    Object.assign(topology, {
      reduced,
      redisKind,
      portBase,
      startedAt: new Date().toISOString(),
      admin: ADMIN,
      receiverPort: ports.receiver,
      urls: {
        api: `http://127.0.0.1:${ports.http}`,
        stats: `http://127.0.0.1:${ports.stats}/stats`,
        primary: primaryUrl,
        replicas: [replicaUrl],
        pgbouncer: bouncer.url(DATABASE),
      },
    });
    saveTopology(topology as Topology);

    // the first api creates and migrates the database; the others start once it has
    step('api1 (creates and migrates the database)');
    await startApp(root, apps[0], appEnv(env, apps[0]));
    step('api2, worker1, worker2');
    await Promise.all(apps.slice(1).map((app) => startApp(root, app, appEnv(env, app))));
    for (const app of apps.filter((a) => a.role === 'api')) await waitForServer(root, 'apis', app.name, 'UP');
    step('up');
    return topology as Topology;
  } catch (error) {
    log(`up failed: ${(error as Error).message}; stopping what started (logs kept in ${root})`);
    await down(root, { keepRoot: true, log }).catch((e: Error) => log(`down: ${e.message}`));
    throw error;
  }
}

/** An app's own environment: the topology's, and the log level its role warrants. */
export function appEnv(env: Record<string, string>, app: AppSpec): Record<string, string> {
  return { ...env, LOG_LEVEL: app.role === 'worker' ? 'info' : 'warn' };
}

/** Every pid file under `dir`, for whatever an interrupted `up` left without saying. */
function pidNames(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
    : [];
}

export async function down(root = DEFAULT_ROOT, options: { keepRoot?: boolean; log?: (line: string) => void } = {}) {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!existsSync(root)) {
    log(`nothing at ${root}`);
    return;
  }
  const t: Partial<Topology> = existsSync(stateFile(root)) ? loadTopology(root) : {};
  const errors: Error[] = [];
  const attempt = async (what: string, stop: () => Promise<unknown>) => {
    try {
      await stop();
      log(`stopped ${what}`);
    } catch (error) {
      errors.push(new Error(`${what}: ${(error as Error).message}`));
    }
  };
  for (const app of t.apps ?? []) await attempt(app.name, () => stopApp(root, app));
  await attempt('HAProxy', () => stopHaproxy(root));
  if (t.urls?.pgbouncer) await attempt('PgBouncer', () => pgBouncerStop(root, PGBOUNCER));
  if (t.redis?.kind === 'cluster') await attempt('Redis Cluster', () => redisClusterAt(root).stop());
  if (t.pg?.kind === 'streaming') {
    await attempt('PostgreSQL replica', () =>
      pgServerAt(root, t.pg!.kind === 'streaming' ? t.pg!.replica : '').stop('fast'),
    );
    await attempt('PostgreSQL primary', () =>
      pgServerAt(root, t.pg!.kind === 'streaming' ? t.pg!.primary : '').stop('fast'),
    );
  }
  if (t.pg?.kind === 'patroni')
    await attempt('Patroni and etcd', () => stopPatroni(root, t.pg!.kind === 'patroni' ? t.pg!.nodes : []));
  // the Sentinel set, and anything else with a pid file left under the root
  for (const name of pidNames(root))
    if (alive(readPid(pidFile(root, name)))) await attempt(name, () => stopByPidFile(pidFile(root, name)));
  if (errors.length) {
    for (const e of errors) log(`down: ${e.message}`);
    throw errors[0];
  }
  if (!options.keepRoot) rmSync(root, { recursive: true, force: true });
  log(options.keepRoot ? `stopped; ${root} kept` : `removed ${root}`);
}

function printUrls(t: Topology): void {
  const lines = [
    `topology at ${t.root} (${t.reduced ? 'reduced: no Patroni' : 'full: Patroni + etcd'}, Redis ${t.redisKind})`,
    `  api (HAProxy)      ${t.urls.api}`,
    `  HAProxy stats      ${t.urls.stats}`,
    ...t.apps.map((a) => `  ${a.name.padEnd(18)} http://127.0.0.1:${a.port}  (ROLE=${a.role})`),
    `  database (primary) ${t.urls.primary}`,
    `  database (replica) ${t.urls.replicas.join(', ')}`,
    `  PgBouncer (apps)   ${t.urls.pgbouncer}`,
    t.redis.kind === 'cluster' ? `  Redis Cluster      ${t.redis.seeds}` : `  Redis Sentinel     ${t.redis.url}`,
    `  admin              ${t.admin.username} / ${t.admin.password}`,
    `  state              ${stateFile(t.root)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      reduced: { type: 'boolean', default: false },
      redis: { type: 'string', default: 'cluster' },
      'port-base': { type: 'string' },
      'no-docs': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const root = values.root ?? DEFAULT_ROOT;
  const command = positionals[0];
  if (values.redis !== 'cluster' && values.redis !== 'sentinel') throw new Error('--redis is cluster or sentinel');
  if (command === 'up') {
    const t = await up({
      root,
      reduced: values.reduced,
      redis: values.redis,
      portBase: values['port-base'] ? Number(values['port-base']) : undefined,
    });
    printUrls(t);
  } else if (command === 'drill') {
    const { drill } = await import('./drills');
    await drill(loadTopology(root), { writeDocs: !values['no-docs'] && !values.only, only: values.only });
  } else if (command === 'down') {
    await down(root);
  } else {
    process.stderr.write(
      'usage: npm run topology -- up [--reduced] [--redis cluster|sentinel] [--root DIR] [--port-base N] | drill [--root DIR] [--no-docs] [--only NAME] | down [--root DIR]\n',
    );
    process.exitCode = 2;
  }
}

if (require.main === module)
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: Error) => {
      process.stderr.write(`${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  );

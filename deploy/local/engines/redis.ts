import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { until } from '../../../test/helpers/until';
import { alive, pidFile, readPid, spawnDetached, stopByPidFile, waitForPort } from './daemon';

/**
 * Redis Cluster and Redis Sentinel from Debian's redis-server and redis-cli, on 127.0.0.1 under
 * `root`, for the local topology and the tests that run the app on them. No persistence: a node
 * that comes back gets its data from the one that took over from it.
 */

export interface RedisClusterHandle {
  /** The REDIS_CLUSTER_NODES value: '127.0.0.1:p1,127.0.0.1:p2,…'. */
  readonly seeds: string;
  readonly ports: number[];
  /** Ports of the current masters (those serving slots, not failed). */
  masters(): Promise<number[]>;
  /** SIGKILL one master (the first, unless `port` names one) and return its port. */
  killMaster(port?: number): Promise<number>;
  /** Waits until every running node says cluster_state:ok with 3 masters; the ms waited. */
  waitHealthy(timeoutMs?: number): Promise<number>;
  /** How many connections subscribe to `channel` on each running node (PUBSUB NUMSUB asks one node only), by port. */
  subscribers(channel: string): Promise<Map<number, number>>;
  /** Brings a killed node back; it rejoins as a replica of whoever took over its slots. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelHandle {
  /** The app's REDIS_URL: redis+sentinel://[:password@]127.0.0.1:s1,…/name. */
  readonly url: string;
  /** The app's REDIS_SENTINEL_PASSWORD, when the sentinels require one. */
  readonly sentinelPassword?: string;
  /** The master's port now. */
  master(): Promise<number>;
  /** SENTINEL FAILOVER: the replica is promoted, the old master follows it; the new master's port. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** The passwords of a Sentinel setup: the master's and replica's, and the sentinels' own. */
export interface SentinelAuth {
  password: string;
  sentinelPassword: string;
}

/** How long a cluster node is unreachable before it is failed (and its replica promoted). */
const CLUSTER_NODE_TIMEOUT_MS = 2_000;
/** How long a Sentinel-watched master is unreachable before the sentinels agree it is down. */
const SENTINEL_DOWN_AFTER_MS = 2_000;
const CLUSTER_STATE = 'redis-cluster.json';
const SENTINEL_STATE = 'redis-sentinel.json';
const SLOTS = 16_384;

const nodeName = (port: number) => `redis-${port}`;
const running = (root: string, name: string) => alive(readPid(pidFile(root, name)));
const stop = (root: string, name: string, signal?: NodeJS.Signals) => stopByPidFile(pidFile(root, name), signal);

/**
 * Six redis-servers (3 masters, 3 replicas: a killed master has someone to fail over to), `redis-cli --cluster create`.
 * Each node also listens on its cluster bus port, `busPortOffset` above its own (Redis's 10 000 by
 * default; a smaller one for ports above 55 535, or to keep the bus inside a range of ports).
 */
export async function startRedisCluster(
  root: string,
  ports: number[],
  busPortOffset = 10_000,
): Promise<RedisClusterHandle> {
  if (ports.length !== 6) throw new Error(`a cluster of 3 masters and 3 replicas takes 6 ports, not ${ports.length}`);
  const busTooHigh = ports.find((port) => port + busPortOffset > 65_535);
  if (busTooHigh) throw new Error(`port ${busTooHigh}: its bus port ${busTooHigh + busPortOffset} is over 65535`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, CLUSTER_STATE), JSON.stringify({ ports, busPortOffset }));
  const cluster = redisClusterAt(root);
  try {
    await Promise.all(ports.map((port) => startClusterNode(root, port, busPortOffset)));
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await cluster.waitHealthy(30_000);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** Re-attaches to the cluster that `root` holds (for `down` or a drill run in a later process). */
export function redisClusterAt(root: string): RedisClusterHandle {
  const state = JSON.parse(readFileSync(join(root, CLUSTER_STATE), 'utf8'));
  const { ports, busPortOffset } = state as { ports: number[]; busPortOffset: number };
  const runningNodes = () => ports.filter((port) => running(root, nodeName(port)));

  /** CLUSTER NODES as one running node sees it. */
  const view = async (): Promise<ClusterNode[]> => {
    for (const port of runningNodes()) {
      const answer = await ask(port, 'CLUSTER', 'NODES').catch(() => undefined);
      if (typeof answer === 'string') return parseClusterNodes(answer);
    }
    throw new Error('no node of the cluster answers');
  };
  const masters = async () =>
    (await view())
      .filter((node) => node.master && !node.failed && node.slots > 0)
      .map((node) => node.port)
      .sort((a, b) => a - b);

  return {
    seeds: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ports,
    masters,
    async killMaster(port?: number) {
      const victim = port ?? (await masters())[0];
      if (victim === undefined) throw new Error('the cluster has no master to kill');
      await stop(root, nodeName(victim), 'SIGKILL');
      return victim;
    },
    async waitHealthy(timeoutMs = 30_000) {
      const started = Date.now();
      await until(
        'the cluster to be ok with 3 masters covering every slot',
        async () => {
          const nodes = runningNodes();
          const states = await Promise.all(nodes.map((port) => ask(port, 'CLUSTER', 'INFO').catch(() => '')));
          if (!states.every((info) => /^cluster_state:ok\r?$/m.test(String(info)))) return false;
          // A killed master is still listed as serving until the others fail it (the node timeout).
          const serving = (await view()).filter((node) => node.master && !node.failed && node.slots > 0);
          return (
            serving.length === 3 &&
            serving.every((node) => nodes.includes(node.port)) &&
            serving.reduce((sum, node) => sum + node.slots, 0) === SLOTS
          );
        },
        timeoutMs,
        200,
      );
      return Date.now() - started;
    },
    async subscribers(channel: string) {
      const counts = await Promise.all(
        runningNodes().map(async (port) => {
          const [, count] = (await ask(port, 'PUBSUB', 'NUMSUB', channel)) as [string, number];
          return [port, count] as const;
        }),
      );
      return new Map(counts);
    },
    async restart(port: number) {
      await startClusterNode(root, port, busPortOffset);
      // Known again by the others (not flagged failed), so a later kill finds a replica for its master.
      await until(
        `node ${port} to rejoin the cluster`,
        async () => (await view()).some((node) => node.port === port && !node.failed),
        30_000,
        200,
      );
    },
    async stop() {
      await Promise.all(ports.map((port) => stop(root, nodeName(port))));
    },
  };
}

async function startClusterNode(root: string, port: number, busPortOffset: number): Promise<void> {
  const dir = join(root, nodeName(port));
  mkdirSync(dir, { recursive: true });
  spawnDetached(root, nodeName(port), 'redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    ...['--save', '', '--appendonly', 'no'],
    ...[
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-port',
      String(port + busPortOffset),
    ],
    ...['--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS)],
    // A replica however long cut off may still take over: in a drill, the replica that is left is the one to promote.
    ...['--cluster-replica-validity-factor', '0'],
  ]);
  await waitForPort(port, `redis-server ${port}`);
}

interface ClusterNode {
  port: number;
  master: boolean;
  failed: boolean;
  slots: number;
}

/** CLUSTER NODES: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>`. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [, address, flags, , , , , , ...ranges] = line.trim().split(' ');
      const slots = ranges
        .filter((range) => !range.startsWith('['))
        .reduce((sum, range) => {
          const [from, to = from] = range.split('-').map(Number);
          return sum + to - from + 1;
        }, 0);
      const flagList = flags.split(',');
      return {
        port: Number(address.split('@')[0].split(':').pop()),
        master: flagList.includes('master'),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        slots,
      };
    });
}

/**
 * A master, a replica and three sentinels watching it as `name`; url is the app's REDIS_URL
 * (redis+sentinel://…/name). With `auth`, the master and replica require `password` (the replica
 * and the sentinels authenticate to them with it) and the sentinels require `sentinelPassword`
 * (which they also use between themselves), as a Helm chart's Sentinel sets up.
 */
export async function startSentinel(
  root: string,
  ports: { master: number; replica: number; sentinels: number[] },
  name = 'qc',
  auth?: SentinelAuth,
): Promise<SentinelHandle> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, SENTINEL_STATE), JSON.stringify({ ports, name, auth }));
  const password = auth?.password;
  const serverAuth = password ? ['--requirepass', password, '--masterauth', password] : [];
  const sentinel = sentinelAt(root);
  try {
    const server = (port: number, extra: string[] = []) => {
      const dir = join(root, nodeName(port));
      mkdirSync(dir, { recursive: true });
      spawnDetached(root, nodeName(port), 'redis-server', [
        ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
        ...serverAuth,
        ...extra,
      ]);
      return waitForPort(port, `redis-server ${port}`);
    };
    await server(ports.master);
    await server(ports.replica, ['--replicaof', '127.0.0.1', String(ports.master)]);
    await Promise.all(
      ports.sentinels.map((port) => {
        const dir = join(root, `sentinel-${port}`);
        mkdirSync(dir, { recursive: true });
        // Sentinel rewrites its configuration file (what it learns of replicas and other sentinels): one each.
        const file = join(dir, 'sentinel.conf');
        writeFileSync(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${name} 127.0.0.1 ${ports.master} 2`,
            `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${name} 10000`,
            `sentinel parallel-syncs ${name} 1`,
            ...(auth ? [`sentinel auth-pass ${name} ${auth.password}`, `requirepass ${auth.sentinelPassword}`] : []),
            '',
          ].join('\n'),
        );
        // `redis-server --sentinel` is what the redis-sentinel binary runs: only redis-server is needed.
        spawnDetached(root, `sentinel-${port}`, 'redis-server', [file, '--sentinel']);
        return waitForPort(port, `sentinel ${port}`);
      }),
    );
    // Ready once every sentinel knows the replica (it can fail over) and the other sentinels (they can agree).
    await until(
      'the sentinels to know the replica and each other',
      async () => {
        const views = await Promise.all(
          ports.sentinels.map((port) =>
            ask({ port, password: auth?.sentinelPassword }, 'SENTINEL', 'MASTER', name).catch(() => undefined),
          ),
        );
        return views.every((view) => {
          const fields = pairs(view);
          return Number(fields['num-slaves']) >= 1 && Number(fields['num-other-sentinels']) >= 2;
        });
      },
      30_000,
      200,
    );
  } catch (error) {
    await sentinel.stop();
    throw error;
  }
  return sentinel;
}

/** Re-attaches to the Sentinel setup that `root` holds. */
export function sentinelAt(root: string): SentinelHandle {
  const { ports, name, auth } = JSON.parse(readFileSync(join(root, SENTINEL_STATE), 'utf8')) as {
    ports: { master: number; replica: number; sentinels: number[] };
    name: string;
    auth?: SentinelAuth;
  };
  const sentinelOn = (port: number) => ({ port, password: auth?.sentinelPassword });
  const serverOn = (port: number) => ({ port, password: auth?.password });
  const master = async (): Promise<number> => {
    for (const port of ports.sentinels) {
      const answer = await ask(sentinelOn(port), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name).catch(() => undefined);
      if (Array.isArray(answer)) return Number(answer[1]);
    }
    throw new Error('no sentinel answers');
  };
  return {
    url: `redis+sentinel://${auth ? `:${encodeURIComponent(auth.password)}@` : ''}${ports.sentinels.map((port) => `127.0.0.1:${port}`).join(',')}/${name}`,
    sentinelPassword: auth?.sentinelPassword,
    master,
    async failover() {
      const before = await master();
      // Refused (NOGOODSLAVE) while the sentinels have not yet seen the replica in sync: asked again.
      await until(
        'a sentinel to start the failover',
        () =>
          ask(sentinelOn(ports.sentinels[0]), 'SENTINEL', 'FAILOVER', name).then(
            () => true,
            () => false,
          ),
        30_000,
        250,
      );
      // Over once the promoted replica says it is master and the old master follows it.
      return until(
        'the failover to finish',
        async () => {
          const after = await master();
          if (after === before) return undefined;
          const [promoted, demoted] = await Promise.all([
            ask(serverOn(after), 'ROLE').catch(() => []),
            ask(serverOn(before), 'ROLE').catch(() => []),
          ]);
          const following = Array.isArray(demoted) && demoted[0] === 'slave' && demoted[3] === 'connected';
          return Array.isArray(promoted) && promoted[0] === 'master' && following ? after : undefined;
        },
        30_000,
        200,
      );
    },
    async stop() {
      await Promise.all(ports.sentinels.map((port) => stop(root, `sentinel-${port}`)));
      await Promise.all([ports.master, ports.replica].map((port) => stop(root, nodeName(port))));
    },
  };
}

/** One command to one server (port, or port and password), on a connection of its own that does not retry. */
async function ask(server: number | { port: number; password?: string }, ...command: string[]): Promise<unknown> {
  const { port, password } = typeof server === 'number' ? { port: server, password: undefined } : server;
  const redis = new Redis({
    port,
    password,
    host: '127.0.0.1',
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined); // the command's rejection reports it
  try {
    await redis.connect();
    return await redis.call(command[0], ...command.slice(1));
  } finally {
    redis.disconnect();
  }
}

/** A flat [field, value, field, value…] reply (SENTINEL MASTER) as an object. */
function pairs(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import { until } from '../../test/helpers/until';
import { alive, pidFile, readPid, spawnDetached, stopByPidFile, waitForPort } from './engines/daemon';

/**
 * The full set's PostgreSQL: two nodes managed by Patroni (Debian's `patroni`) with one etcd
 * (`etcd-server`) as its store, each node's YAML written under the topology's root. Synchronous
 * mode: the leader acknowledges a commit only once the replica has it, so that a failover loses
 * no acknowledged write (with asynchronous replication the promoted replica may lack the last
 * commits; Patroni then does not fail over to a replica that is not the synchronous one).
 */
export interface PatroniPorts {
  etcdClient: number;
  etcdPeer: number;
  /** Per node: its PostgreSQL port and its REST API port. */
  nodes: { port: number; restPort: number }[];
}

export interface PatroniNode {
  name: string;
  port: number;
  restPort: number;
  dataDir: string;
}

const PG_BIN = '/usr/lib/postgresql/15/bin';
const SCOPE = 'qc';
const ETCD = 'etcd';

export function patroniNodes(root: string, ports: PatroniPorts): PatroniNode[] {
  return ports.nodes.map((p, i) => ({
    name: `pg${i + 1}`,
    port: p.port,
    restPort: p.restPort,
    dataDir: join(root, 'patroni', `pg${i + 1}`, 'data'),
  }));
}

const postgresUser = () => ({
  uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
  gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
});

function postgresOwned(path: string): void {
  // the parents passable by postgres, the node's own directory its alone
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const { uid, gid } = postgresUser();
  chownSync(path, uid, gid);
}

function nodeConfig(root: string, ports: PatroniPorts, node: PatroniNode): string {
  const dir = join(root, 'patroni', node.name);
  return stringify({
    scope: SCOPE,
    name: node.name,
    restapi: { listen: `127.0.0.1:${node.restPort}`, connect_address: `127.0.0.1:${node.restPort}` },
    etcd3: { host: `127.0.0.1:${ports.etcdClient}` },
    bootstrap: {
      dcs: {
        // A dead leader's key lapses after ttl: failover within about 10 s (loop_wait + 2 × retry_timeout ≤ ttl).
        ttl: 10,
        loop_wait: 2,
        retry_timeout: 4,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: true,
        postgresql: {
          use_pg_rewind: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            wal_log_hints: 'on',
            max_wal_senders: 10,
            max_replication_slots: 10,
            max_connections: 200,
            jit: 'off',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
      pg_hba: [
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        'host replication replicator 127.0.0.1/32 trust',
      ],
    },
    postgresql: {
      listen: `127.0.0.1:${node.port}`,
      connect_address: `127.0.0.1:${node.port}`,
      data_dir: node.dataDir,
      bin_dir: PG_BIN,
      pgpass: join(dir, 'pgpass'),
      authentication: {
        superuser: { username: 'postgres', password: 'postgres' },
        replication: { username: 'replicator', password: 'replicator' },
        rewind: { username: 'postgres', password: 'postgres' },
      },
      parameters: { unix_socket_directories: dir },
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  });
}

export async function startEtcd(root: string, ports: PatroniPorts): Promise<void> {
  const dataDir = join(root, 'etcd');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  spawnDetached(root, ETCD, 'etcd', [
    '--name=etcd1',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=etcd1=http://127.0.0.1:${ports.etcdPeer}`,
  ]);
  await waitForPort(ports.etcdClient, 'etcd');
}

/** Starts node `node`'s Patroni (as postgres): it bootstraps the cluster, or joins it as a replica. */
export function startPatroniNode(root: string, ports: PatroniPorts, node: PatroniNode): void {
  const dir = join(root, 'patroni', node.name);
  postgresOwned(dir);
  const config = join(dir, 'patroni.yml');
  if (!existsSync(config)) writeFileSync(config, nodeConfig(root, ports, node), { mode: 0o644 });
  const user = postgresUser();
  spawnDetached(root, `patroni-${node.name}`, 'patroni', [config], {
    cwd: dir,
    ...user,
    env: { ...process.env, HOME: dir, USER: 'postgres' },
  });
}

/** What a node's REST API says of it (`role`: primary/master or replica; `state`: running, …). */
export async function patroniState(node: PatroniNode): Promise<{ role?: string; state?: string } | undefined> {
  try {
    const answer = await fetch(`http://127.0.0.1:${node.restPort}/patroni`, { signal: AbortSignal.timeout(1_000) });
    return (await answer.json()) as { role?: string; state?: string };
  } catch {
    return undefined;
  }
}

const isLeader = (s?: { role?: string; state?: string }) =>
  (s?.role === 'master' || s?.role === 'primary') && s.state === 'running';

/** The node Patroni has as leader now, once one runs. */
export async function patroniLeader(nodes: PatroniNode[], ms = 120_000): Promise<PatroniNode> {
  return until(
    'a Patroni leader',
    async () => {
      for (const node of nodes) if (isLeader(await patroniState(node))) return node;
      return undefined;
    },
    ms,
    200,
  );
}

/** Waits until `node` runs as a streaming replica. */
export async function patroniReplicaRunning(node: PatroniNode, ms = 180_000): Promise<void> {
  await until(
    `${node.name} to run as a replica`,
    async () => {
      const s = await patroniState(node);
      return s?.role === 'replica' && s.state === 'running';
    },
    ms,
    200,
  );
}

export async function startPatroni(root: string, ports: PatroniPorts): Promise<PatroniNode[]> {
  const nodes = patroniNodes(root, ports);
  await startEtcd(root, ports);
  startPatroniNode(root, ports, nodes[0]);
  await patroniLeader([nodes[0]]);
  for (const node of nodes.slice(1)) startPatroniNode(root, ports, node);
  for (const node of nodes.slice(1)) await patroniReplicaRunning(node);
  return nodes;
}

/**
 * The leader's machine crashes: SIGKILL to its Patroni and its PostgreSQL (the postmaster first,
 * from its pid file, then Patroni's process group). Killing only PostgreSQL would not fail over:
 * Patroni, still holding the leader key, restarts it in place.
 */
export function crashNode(root: string, node: PatroniNode): void {
  const postmasterPid = join(node.dataDir, 'postmaster.pid');
  const postmaster = existsSync(postmasterPid) ? Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]) : undefined;
  const patroni = readPid(pidFile(root, `patroni-${node.name}`));
  // its process group: Patroni was started detached, as the leader of one
  if (alive(patroni)) process.kill(-patroni!, 'SIGKILL');
  if (postmaster && alive(postmaster)) process.kill(postmaster, 'SIGKILL');
}

export async function stopPatroniNode(root: string, node: PatroniNode): Promise<void> {
  await stopByPidFile(pidFile(root, `patroni-${node.name}`), 'SIGTERM', 30_000);
}

export async function stopPatroni(root: string, nodes: PatroniNode[]): Promise<void> {
  // replicas first, so that the leader does not wait on a synchronous replica that is gone
  for (const node of [...nodes].reverse()) await stopPatroniNode(root, node);
  // a PostgreSQL whose Patroni died without stopping it
  for (const node of nodes) crashNode(root, node);
  await stopByPidFile(pidFile(root, ETCD));
}

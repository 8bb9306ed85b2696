import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppSpec } from './apps';
import type { HaproxyPorts } from './haproxy';
import type { PatroniNode, PatroniPorts } from './patroni';

/** Where `up` puts the topology unless told (`--root`): fixed, so that `drill` and `down` find it. */
export const DEFAULT_ROOT = join(tmpdir(), 'qc-topology');
/**
 * The first of the topology's ports unless told (`--port-base`); the rest are at fixed offsets from
 * it. Below Linux's ephemeral range (32768-60999), so that no outgoing connection of another
 * process (or a test's free port) holds one of them when `up` binds it.
 */
export const DEFAULT_PORT_BASE = 31200;

/** Everything a later `drill` or `down` needs, written by `up` to `<root>/topology.json`. */
export interface Topology {
  root: string;
  /** The reduced set (CI): the pg engine's primary and streaming replica, no Patroni. */
  reduced: boolean;
  redisKind: 'cluster' | 'sentinel';
  portBase: number;
  startedAt: string;
  admin: { username: string; password: string };
  urls: {
    /** HAProxy's api frontend. */
    api: string;
    stats: string;
    /** The database the app writes to (in the full set, HAProxy's Patroni-checked primary frontend). */
    primary: string;
    replicas: string[];
    /** PgBouncer (session mode) in front of the primary: the apps' DATABASE_URL. */
    pgbouncer: string;
  };
  /** The app processes' environment (besides ROLE and PORT). */
  env: Record<string, string>;
  apps: AppSpec[];
  pg:
    | { kind: 'streaming'; primary: string; replica: string; ports: [number, number] }
    | { kind: 'patroni'; ports: PatroniPorts; nodes: PatroniNode[] };
  redis:
    | { kind: 'cluster'; ports: number[]; seeds: string }
    | { kind: 'sentinel'; ports: { master: number; replica: number; sentinels: number[] }; url: string };
  haproxy: HaproxyPorts;
  /** A port the drills' webhook receiver listens on. */
  receiverPort: number;
}

export const stateFile = (root: string) => join(root, 'topology.json');

export function saveTopology(t: Topology): void {
  writeFileSync(stateFile(t.root), `${JSON.stringify(t, null, 2)}\n`, { mode: 0o600 });
}

export function loadTopology(root: string): Topology {
  const file = stateFile(root);
  if (!existsSync(file))
    throw new Error(`no topology at ${root} (${file} is missing): run \`npm run topology -- up\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as Topology;
}

/** The ports of a topology, at fixed offsets from `base`. */
export function portsFrom(base: number) {
  return {
    pg: [base, base + 1] as [number, number],
    patroniRest: [base + 2, base + 3],
    etcdClient: base + 4,
    etcdPeer: base + 5,
    pgPrimaryFrontend: base + 6,
    pgReplicaFrontend: base + 7,
    pgbouncer: base + 8,
    redisCluster: [10, 11, 12, 13, 14, 15].map((o) => base + o),
    sentinel: { master: base + 20, replica: base + 21, sentinels: [base + 22, base + 23, base + 24] },
    http: base + 30,
    stats: base + 31,
    apps: { api1: base + 40, api2: base + 41, worker1: base + 42, worker2: base + 43 },
    receiver: base + 50,
  };
}

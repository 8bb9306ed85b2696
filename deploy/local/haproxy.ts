import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { until } from '../../test/helpers/until';
import { pidFile, spawnDetached, stopByPidFile, waitForPort } from './engines/daemon';

export interface HaproxyPorts {
  /** The api's frontend: what clients (and the drills) call. */
  http: number;
  /** The stats page (`/stats`, also `;csv`). */
  stats: number;
  /** Full set only: the Patroni leader's PostgreSQL, and its replicas, each chosen by Patroni's REST check. */
  pgPrimary?: number;
  pgReplica?: number;
}

export interface HaproxyBackends {
  apis: { name: string; port: number }[];
  /** Full set only: the Patroni nodes, their PostgreSQL port and REST port. */
  patroni?: { name: string; port: number; restPort: number }[];
}

const NAME = 'haproxy';

/**
 * HAProxy's configuration. The api backend is checked with `GET /health/ready` every 500 ms and
 * taken out after two failures; a request whose connection is refused or that gets no answer
 * (the api died under it) is tried again on the other api (`retry-on` with `redispatch`), but only
 * for GET and HEAD: a POST that may have reached the dead api is not sent twice, its client sees
 * the failure. The PostgreSQL frontends are the standard Patroni pattern: TCP, the server chosen
 * by Patroni's REST API (`/primary` answers 200 on the leader only, `/replica` on a running
 * replica), and `on-marked-down shutdown-sessions` so that no client keeps talking to a demoted node.
 */
export function haproxyConfig(root: string, ports: HaproxyPorts, backends: HaproxyBackends): string {
  const apis = backends.apis.map((a) => `  server ${a.name} 127.0.0.1:${a.port} check`).join('\n');
  const pg = (role: 'primary' | 'replica', port: number) => `
listen pg_${role}
  mode tcp
  bind 127.0.0.1:${port}
  timeout client 30m
  timeout server 30m
  option httpchk OPTIONS /${role}
  http-check expect status 200
  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions
${backends.patroni!.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check port ${n.restPort}`).join('\n')}
`;
  return `# Written by deploy/local/topology.ts; the topology's ${root}
global
  maxconn 4096
  stats socket ${join(root, 'haproxy.sock')} mode 600 level admin

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  option redispatch
  retries 3
  retry-on conn-failure empty-response response-timeout

frontend api
  bind 127.0.0.1:${ports.http}
  default_backend apis

backend apis
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  http-request disable-l7-retry unless METH_GET || METH_HEAD
  default-server inter 500ms fall 2 rise 2
${apis}

listen stats
  bind 127.0.0.1:${ports.stats}
  stats enable
  stats uri /stats
  stats refresh 2s
${ports.pgPrimary ? pg('primary', ports.pgPrimary) : ''}${ports.pgReplica ? pg('replica', ports.pgReplica) : ''}`;
}

export async function startHaproxy(root: string, ports: HaproxyPorts, backends: HaproxyBackends): Promise<void> {
  const config = join(root, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(root, ports, backends));
  // -db: in the foreground (the daemon module detaches it and keeps its pid)
  spawnDetached(root, NAME, 'haproxy', ['-db', '-f', config]);
  await waitForPort(ports.http, 'HAProxy');
}

export const stopHaproxy = (root: string) => stopByPidFile(pidFile(root, NAME));

/** One server's line of `show stat`: its state (UP, DOWN, …) and the counters the drills read. */
export interface ServerStat {
  proxy: string;
  server: string;
  status: string;
  /** Requests (sessions) it served, connection errors, answers 5xx. */
  sessions: number;
  connectionErrors: number;
  responses5xx: number;
  /** Requests retried and redispatched to another server. */
  retries: number;
  redispatches: number;
}

/** `show stat` through the stats socket, one entry per server (not the FRONTEND/BACKEND lines). */
export function haproxyStats(root: string): Promise<ServerStat[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(join(root, 'haproxy.sock'));
    let out = '';
    socket.on('connect', () => socket.write('show stat\n'));
    socket.on('data', (c: Buffer) => (out += c.toString()));
    socket.on('error', reject);
    socket.on('end', () => {
      const [header, ...rows] = out.trim().split('\n');
      const fields = header.replace(/^# /, '').split(',');
      const at = (row: string[], name: string) => row[fields.indexOf(name)];
      resolve(
        rows
          .map((line) => line.split(','))
          .filter((row) => !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
          .map((row) => ({
            proxy: at(row, 'pxname'),
            server: at(row, 'svname'),
            status: at(row, 'status'),
            sessions: Number(at(row, 'stot')) || 0,
            connectionErrors: Number(at(row, 'econ')) || 0,
            responses5xx: Number(at(row, 'hrsp_5xx')) || 0,
            retries: Number(at(row, 'wretr')) || 0,
            redispatches: Number(at(row, 'wredis')) || 0,
          })),
      );
    });
  });
}

/** Waits until HAProxy reports `server` of `proxy` in `status` (UP or DOWN); returns the ms waited. */
export async function waitForServer(
  root: string,
  proxy: string,
  server: string,
  status: 'UP' | 'DOWN',
  ms = 60_000,
): Promise<number> {
  const started = Date.now();
  await until(
    `HAProxy to report ${proxy}/${server} ${status}`,
    async () => (await haproxyStats(root)).some((s) => s.proxy === proxy && s.server === server && s.status === status),
    ms,
    50,
  );
  return Date.now() - started;
}

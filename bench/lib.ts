/** What the benchmarks share: arguments, SQL, and the built server run as a child process. */
import { ChildProcess, execFileSync, execSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The build the benchmarks run: `dist/` by default; BENCH_DIST names a copy (inside the project,
 * so node_modules resolve) when `dist/` may be rebuilt while a long benchmark runs.
 */
export const DIST = resolve(process.env.BENCH_DIST ?? resolve(__dirname, '../dist'));

/** Extra options for the server's node (BENCH_NODE_ARGS), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const nodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

export const DATABASE_SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

/** The county-level districts (the city level aside) that generated enterprises spread over. */
export const DISTRICTS = [
  '330302',
  '330303',
  '330304',
  '330305',
  '330324',
  '330326',
  '330327',
  '330328',
  '330329',
  '330381',
  '330382',
  '330383',
];

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows read field by field
export async function sql(database: string, text: string, params: unknown[] = []): Promise<any[]> {
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${database}` });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** One enterprise row as the benchmarks load it. */
export interface EnterpriseRow {
  uscc: string;
  name: string;
  districtCode: string;
  registeredOn: string;
}

/** Loads `count` enterprises, row `i` from `row(i)`, with one COPY on an open connection. */
export async function copyEnterprises(client: Client, count: number, row: (i: number) => EnterpriseRow): Promise<void> {
  const lines = (function* () {
    for (let i = 0; i < count; i++) {
      const e = row(i);
      yield `${e.uscc}\t${e.name}\t${e.districtCode}\t${e.registeredOn}\n`;
    }
  })();
  await pipeline(
    Readable.from(lines),
    client.query(copyFrom(`COPY enterprises (uscc, name, district_code, registered_on) FROM STDIN`)),
  );
}

/** A process's parent, command name and CPU time so far (user + system, clock ticks of 1/100 s), from /proc (Linux). */
export function processStat(pid: number | string): { ppid: number; comm: string; ticks: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
}

/** The `p`th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const ADMIN = { username: 'admin', password: 'bench-admin-password' };

/** The built server (DIST, ROLE=all) on its own database, as a separate process. */
export class BenchServer {
  private constructor(
    readonly process: ChildProcess,
    private readonly base: string,
  ) {}

  static async start(options: {
    database: string;
    port: number;
    prefix: string;
    env?: NodeJS.ProcessEnv;
    /** Another build than DIST, to compare two. */
    dist?: string;
  }): Promise<BenchServer> {
    const child = spawn(process.execPath, [...nodeArgs(), resolve(options.dist ?? DIST, 'src/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: `${DATABASE_SERVER}/${options.database}`,
        PORT: String(options.port),
        ROLE: 'all',
        REDIS_PREFIX: options.prefix,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const server = new BenchServer(child, `http://127.0.0.1:${options.port}`);
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${server.base}/health/ready`)).ok) return server;
      } catch {
        /* not listening yet */
      }
      if (i > 600) throw new Error('the server did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** A JSON request; a non-2xx answer throws with its body. */
  async json(
    path: string,
    init: { method?: string; body?: unknown; form?: FormData } = {},
    token?: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, read field by field
  ): Promise<any> {
    const res = await fetch(this.url(path), {
      method: init.method ?? 'GET',
      headers: {
        ...(init.form ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: init.form ?? (init.method && init.method !== 'GET' ? JSON.stringify(init.body ?? {}) : undefined),
    });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async login(username = ADMIN.username, password = ADMIN.password): Promise<string> {
    return (await this.json('/api/v1/auth/login', { method: 'POST', body: { username, password } })).accessToken;
  }

  /** A city-level regulator of QTS, logged in. */
  async regulator(admin: string): Promise<string> {
    const user = { username: 'bench.qts', password: 'bench-regulator-pass', role: 'regulator', departmentCode: 'QTS' };
    // A reused database (--reuse) has them already.
    await this.json('/api/v1/users', { method: 'POST', body: user }, admin).catch((error: Error) => {
      if (!error.message.includes(': 409 ')) throw error;
    });
    return this.login(user.username, user.password);
  }

  /** Peak resident memory of the server process so far (VmHWM). */
  peakRss(): number {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const status: string = require('node:fs').readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    await once(this.process, 'exit');
  }
}

/** A page's answers as a client saw them: the last status and size (before compression), the latencies' p50 and p95 in ms. */
export interface PageTiming {
  status: number;
  bytes: number;
  p50: number;
  p95: number;
}

/**
 * Asks for a page `requests` times from `clients` concurrent clients after `warmup` requests,
 * with a session cookie or none. Node's fetch asks for gzip as a browser does and inflates the
 * answer, so the timings include the compression and `bytes` is the size before it.
 */
export async function measurePage(
  server: BenchServer,
  path: string,
  cookie: string,
  { requests, clients, warmup }: { requests: number; clients: number; warmup: number },
): Promise<PageTiming> {
  const headers = cookie ? { cookie } : undefined;
  const once = async () => {
    const started = performance.now();
    const res = await fetch(server.url(path), { headers, redirect: 'manual' });
    const body = await res.arrayBuffer();
    return { ms: performance.now() - started, status: res.status, bytes: body.byteLength };
  };
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  let last = { status: 0, bytes: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < requests) {
        const r = await once();
        times.push(r.ms);
        last = r;
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { status: last.status, bytes: last.bytes, p50: percentile(times, 50), p95: percentile(times, 95) };
}

/**
 * A fresh database `database` seeded with the demo data (`npm run seed:demo` of the build), the
 * built server on it, and the grading the seed queued done: what the page benchmarks measure on.
 */
export async function demoServer(options: {
  database: string;
  port: number;
  prefix: string;
  env?: NodeJS.ProcessEnv;
}): Promise<BenchServer> {
  await sql('postgres', `DROP DATABASE IF EXISTS ${options.database} WITH (FORCE)`);
  console.log('seeding the demo data…');
  execFileSync(process.execPath, [resolve(DIST, 'src/cli/seed/main.js')], {
    env: { ...process.env, DATABASE_URL: `${DATABASE_SERVER}/${options.database}`, REDIS_PREFIX: options.prefix },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const server = await BenchServer.start(options);
  for (;;) {
    const [{ n }] = await sql(options.database, 'SELECT count(*)::int AS n FROM regrade_requests');
    if (n === 0) return server;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessCpu {
  ppid: number;
  comm: string;
  ticks: number;
}

/**
 * Every process's CPU time so far, in clock ticks, from /proc (Linux); null where it cannot be
 * read. Read by hand: pidusage and pidtree give a known process's CPU and its children, but not
 * PostgreSQL's backends, which come and go and are found here by name.
 */
export function cpuSample(): Map<number, ProcessCpu> | null {
  try {
    const sample = new Map<number, ProcessCpu>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        sample.set(Number(name), processStat(name));
      } catch {
        // gone meanwhile
      }
    }
    return sample;
  } catch {
    return null;
  }
}

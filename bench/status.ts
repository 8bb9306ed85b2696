/**
 * Credit-status benchmark: single lookups through the full route of the built server (API key,
 * purpose, query log; ROLE=api in its own process) with autocannon at 50 connections, beside two
 * floors served by a bare Fastify process measured in the same run — a JSON endpoint, and a
 * handler doing one prepared pg lookup by code on the same database — and the 10 000-code batch
 * beside the bare `join unnest($1)` query over the same codes.
 *
 *   npx tsc -p tsconfig.build.json --outDir .bench-dist-status
 *   BENCH_DIST=.bench-dist-status npx tsx bench/status.ts --enterprises 100000 --seconds 15
 *
 * The floor and the full route take turns (`--rounds`, 3 by default, sharing `--seconds`), so a
 * drift in the machine's speed during the run falls on both alike; each target's p50 and p99 are
 * over every response of its rounds. Where /proc can be read (Linux), each target's CPU per answer
 * is printed too: its server's process tree, the local PostgreSQL's processes and the load
 * generator (this process), with the cores they kept busy between them.
 *
 * Targets: lookup throughput ≥ 1.0× the bare Fastify+pg floor with p99 ≤ 25 ms; batch ≤ 3× the floor.
 */
import autocannon from 'autocannon';
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { Client, Pool } from 'pg';
import { makeUscc } from '../src/common/uscc';
import {
  arg,
  BenchServer,
  copyEnterprises,
  DATABASE_SERVER,
  DISTRICTS,
  machine,
  percentile,
  processStat,
  sql,
} from './lib';

const N = arg('enterprises', 100_000);
const SECONDS = arg('seconds', 15);
const CONNECTIONS = arg('connections', 50);
const ROUNDS = arg('rounds', 3);
const BATCH = arg('batch', 10_000);
const BATCH_RUNS = arg('batch-runs', 20);
const PORT = arg('port', 3993);
const FLOOR_PORT = PORT + 1;
const DB = 'qc_bench_status';
const PREFIX = 'qc_bench_status';

const codeOf = (i: number) => makeUscc(DISTRICTS[i % DISTRICTS.length], 30_000_000 + i);

/** What the floor's lookup reads: the enterprise and its current grade, by code, one row. */
const LOOKUP = `SELECT e.uscc, e.name, e.district_code, c.grade, c.rule_set_version
                  FROM enterprises e LEFT JOIN classifications c ON c.enterprise_id = e.id WHERE e.uscc = $1`;
const UNNEST = `SELECT e.uscc, e.name, e.district_code, c.grade, c.rule_set_version
                  FROM unnest($1::text[]) WITH ORDINALITY AS u(uscc, n)
                  JOIN enterprises e ON e.uscc = u.uscc LEFT JOIN classifications c ON c.enterprise_id = e.id
                 ORDER BY u.n`;

/** The floor server (run as a child process of this script): bare Fastify, and Fastify + one prepared pg query. */
async function serveFloor(port: number) {
  const { default: Fastify } = await import('fastify');
  const pool = new Pool({ connectionString: `${DATABASE_SERVER}/${DB}`, max: 20 });
  const app = Fastify({ logger: false });
  app.get('/json', async () => ({ ok: true }));
  app.get<{ Params: { uscc: string } }>('/status/:uscc', async (req, reply) => {
    const { rows } = await pool.query({ name: 'lookup', text: LOOKUP, values: [req.params.uscc] });
    if (!rows.length) return reply.code(404).send({ status: 404 });
    return rows[0];
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => pool.end().then(() => process.exit(0))));
}

async function startFloor(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), __filename, '--serve-floor', String(FLOOR_PORT)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${FLOOR_PORT}/json`)).ok) return child;
    } catch {
      /* not listening yet */
    }
    if (i > 300) throw new Error('the floor server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function load() {
  const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}` });
  await client.connect();
  try {
    await copyEnterprises(client, N, (i) => ({
      uscc: codeOf(i),
      name: `企业${i}`,
      districtCode: DISTRICTS[i % DISTRICTS.length],
      registeredOn: '2001-01-01',
    }));
    await client.query(
      `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
       SELECT id, (ARRAY['A','B','C','D'])[1 + id % 4], 80, 1, '[]', now() FROM enterprises`,
    );
    await client.query(
      `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from)
       SELECT enterprise_id, grade, score, rule_set_version, factors, '2026-01-01' FROM classifications`,
    );
    // A blacklist as a city's holds: 1 % of enterprises listed now, 1 % listed once and removed.
    await client.query(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                      status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline,
                                      published_at, earliest_repair_date, expires_at, removed_at, removal_reason)
       SELECT e.id, e.district_code, (SELECT min(code) FROM blacklist_reasons), '《产品质量法》', 'bench', 12,
              l.status, 'QTS', (SELECT min(id::text)::uuid FROM users), now() - interval '400 days',
              now() - interval '399 days', now() - interval '390 days', now() - interval '380 days', current_date,
              now() + interval '10 days', l.removed_at, l.reason
         FROM enterprises e
         JOIN (VALUES (0, 'published', NULL::timestamptz, NULL), (1, 'removed', now() - interval '5 days', 'revoked'))
              AS l(k, status, removed_at, reason) ON e.id % 100 = l.k`,
    );
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

type Result = autocannon.Result;

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessCpu {
  ppid: number;
  comm: string;
  ticks: number;
}

/**
 * Every process's CPU time so far, in clock ticks, from /proc (Linux); null where it cannot be
 * read. Read by hand: pidusage and pidtree give a known process's CPU and its children, but not
 * PostgreSQL's backends, which come and go and are found here by name.
 */
function cpuSample(): Map<number, ProcessCpu> | null {
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

/**
 * CPU time (ms) spent between two samples by a process with its descendants, and by the local
 * PostgreSQL server's processes. A process that ended in between is left out (its last ticks
 * are lost), one that started counts from zero.
 */
function cpuSpent(before: Map<number, ProcessCpu>, after: Map<number, ProcessCpu>, pid: number) {
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, p] of after) {
      if (tree.has(p.ppid) && !tree.has(child)) {
        tree.add(child);
        grew = true;
      }
    }
  }
  let server = 0;
  let postgres = 0;
  for (const [id, p] of after) {
    const spent = p.ticks - (before.get(id)?.ticks ?? 0);
    if (tree.has(id)) server += spent;
    if (p.comm === 'postgres') postgres += spent;
  }
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  return { server: ms(server), postgres: ms(postgres) };
}

/** One autocannon run; with `latencies`, each response's latency (ms) is added to it. */
function run(
  url: string,
  headers: Record<string, string> = {},
  path?: () => string,
  seconds = SECONDS,
  latencies?: number[],
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers,
        ...(path ? { requests: [{ setupRequest: (req) => ({ ...req, path: path() }) }] } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (latencies) instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  });
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** One target over its runs: requests over time, percentiles of every response's latency, CPU per answer. */
interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** µs of CPU per answer by the server, PostgreSQL and the load generator, and the cores kept busy; when /proc tells. */
  cpu: { server: number; postgres: number; load: number; cores: number } | null;
}

class Target {
  private readonly runs: Result[] = [];
  private readonly latencies: number[] = [];
  private cpu: { server: number; postgres: number; load: number; ms: number } | null = {
    server: 0,
    postgres: 0,
    load: 0,
    ms: 0,
  };

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string> = {},
    private readonly path?: () => string,
    /** The process serving the target, for its CPU time. */
    private readonly pid?: number,
  ) {}

  async measure(seconds: number): Promise<void> {
    const before = cpuSample();
    const load = process.cpuUsage();
    const started = performance.now();
    this.runs.push(await run(this.url, this.headers, this.path, seconds, this.latencies));
    const after = cpuSample();
    if (!this.pid || !before || !after || !this.cpu) {
      this.cpu = null;
      return;
    }
    const { user, system } = process.cpuUsage(load);
    const spent = cpuSpent(before, after, this.pid);
    this.cpu.server += spent.server;
    this.cpu.postgres += spent.postgres;
    this.cpu.load += (user + system) / 1000;
    this.cpu.ms += performance.now() - started;
  }

  measured(): Measured {
    const sum = (value: (r: Result) => number) => this.runs.reduce((total, r) => total + value(r), 0);
    const sorted = this.latencies.sort((a, b) => a - b);
    const answers = sum((r) => r.requests.total);
    const perAnswer = (ms: number) => Math.round((ms * 1000) / answers);
    return {
      perSecond: answers / sum((r) => r.duration),
      p50: Math.round(percentile(sorted, 50)),
      p99: Math.round(percentile(sorted, 99)),
      errors: sum((r) => r.non2xx + r.errors + r.timeouts),
      cpu: this.cpu && {
        server: perAnswer(this.cpu.server),
        postgres: perAnswer(this.cpu.postgres),
        load: perAnswer(this.cpu.load),
        cores: (this.cpu.server + this.cpu.postgres + this.cpu.load) / this.cpu.ms,
      },
    };
  }
}

function row(what: string, m: Measured, floor: Measured): string {
  const ratio = (m.perSecond / floor.perSecond).toFixed(2);
  const cpu = m.cpu ? `${m.cpu.server} / ${m.cpu.postgres} / ${m.cpu.load} | ${m.cpu.cores.toFixed(2)}` : '– | –';
  return `| ${what} | ${Math.round(m.perSecond).toLocaleString('en')} | ${m.p50} | ${m.p99} | ${m.errors} | ${ratio} | ${cpu} |`;
}

async function main() {
  const floorAt = process.argv.indexOf('--serve-floor');
  if (floorAt > 0) return serveFloor(Number(process.argv[floorAt + 1]));

  await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  // The API process alone, as docker-compose runs it (the worker is a process of its own there).
  const server = await BenchServer.start({ database: DB, port: PORT, prefix: PREFIX, env: { ROLE: 'api' } });
  let floor: ChildProcess | undefined;
  try {
    console.log(`loading ${N} enterprises with grades…`);
    await load();
    const admin = await server.login();
    const bank = await server.json(
      '/api/v1/institutions',
      { method: 'POST', body: { name: 'Bench bank', kind: 'bank', departmentCode: 'PBOC' } },
      admin,
    );
    const { key } = await server.json(
      `/api/v1/institutions/${bank.id}/api-keys`,
      { method: 'POST', body: { scopes: ['status:read', 'batch:read'], rateLimitPerMinute: 1_000_000 } },
      admin,
    );
    floor = await startFloor();

    let n = 0;
    const nextCode = () => codeOf((n = (n + 7919) % N));
    const statusPath = () => `/api/v1/credit-status/${nextCode()}?purpose=loan_review`;
    const floorPath = () => `/status/${nextCode()}`;
    const apiKey = { 'x-api-key': key };

    // Warm each target up (JIT, connection pools, shared buffers) before measuring.
    await run(server.url('/'), apiKey, statusPath, 3);
    await run(`http://127.0.0.1:${FLOOR_PORT}/`, {}, floorPath, 3);

    const bareJsonTarget = new Target(`http://127.0.0.1:${FLOOR_PORT}/json`, {}, undefined, floor.pid);
    await bareJsonTarget.measure(SECONDS);
    const bareJson = bareJsonTarget.measured();
    // The floor and the full route take turns, ROUNDS times, so a change in the machine's speed
    // during the run (other tenants of the host, the database's checkpoints) falls on both alike.
    const floorTarget = new Target(`http://127.0.0.1:${FLOOR_PORT}/`, {}, floorPath, floor.pid);
    const fullTarget = new Target(server.url('/'), apiKey, statusPath, server.process.pid);
    const perRound = Math.max(1, Math.round(SECONDS / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      await floorTarget.measure(perRound);
      await fullTarget.measure(perRound);
    }
    const barePg = floorTarget.measured();
    const full = fullTarget.measured();
    const [{ logged }] = await sql(DB, `SELECT count(*)::int AS logged FROM credit_queries`);

    // The batch: BATCH distinct codes through the API, and the same codes through one unnest query.
    const codes = Array.from({ length: BATCH }, (_, i) => codeOf((i * 7907) % N));
    const api: number[] = [];
    const bare: number[] = [];
    const client = new Client({ connectionString: `${DATABASE_SERVER}/${DB}` });
    await client.connect();
    try {
      for (let i = 0; i < BATCH_RUNS + 2; i++) {
        let started = performance.now();
        const res = await fetch(server.url('/api/v1/credit-status/batch'), {
          method: 'POST',
          headers: { ...apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({ purpose: 'loan_review', usccs: codes }),
        });
        const body = (await res.json()) as { results: unknown[] };
        if (!res.ok || body.results.length !== BATCH) throw new Error(`batch: ${res.status}`);
        const apiMs = performance.now() - started;
        started = performance.now();
        const { rows } = await client.query({ name: 'unnest', text: UNNEST, values: [codes] });
        if (rows.length !== BATCH) throw new Error('unnest floor');
        const bareMs = performance.now() - started;
        if (i >= 2) {
          api.push(apiMs);
          bare.push(bareMs);
        }
      }
    } finally {
      await client.end();
    }

    console.log(
      `\n${machine()}, node ${process.version}; ${N} enterprises; ${CONNECTIONS} connections, ${SECONDS} s each ` +
        `(the floor and the route in ${ROUNDS} alternating rounds of ${perRound} s)\n`,
    );
    console.log(
      '| what | req/s | p50 ms | p99 ms | errors | × bare Fastify+pg | CPU µs per answer: server / PostgreSQL / autocannon | cores busy |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    console.log(row('bare Fastify JSON', bareJson, barePg));
    console.log(row('bare Fastify + one prepared pg lookup', barePg, barePg));
    console.log(row('GET /credit-status/{uscc} (key, purpose, query log)', full, barePg));
    console.log(`\nquery log rows written: ${logged}`);
    const ratio = full.perSecond / barePg.perSecond;
    console.log(
      `lookup target (≥ 1.0× floor, p99 ≤ 25 ms): ${ratio >= 1 && full.p99 <= 25 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}×, p99 ${full.p99} ms)`,
    );
    const a = median(api);
    const b = median(bare);
    console.log(`\n| batch of ${BATCH} | median ms | min ms | max ms |`);
    console.log('| --- | ---: | ---: | ---: |');
    console.log(
      `| POST /credit-status/batch | ${a.toFixed(0)} | ${Math.min(...api).toFixed(0)} | ${Math.max(...api).toFixed(0)} |`,
    );
    console.log(
      `| bare join unnest($1) | ${b.toFixed(0)} | ${Math.min(...bare).toFixed(0)} | ${Math.max(...bare).toFixed(0)} |`,
    );
    console.log(`batch target (≤ 3× floor): ${a / b <= 3 ? 'met' : 'NOT met'} (${(a / b).toFixed(2)}×)`);
  } finally {
    if (floor) {
      floor.kill('SIGTERM');
      await once(floor, 'exit');
    }
    await server.stop();
    if (!process.argv.includes('--keep')) await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Public pages benchmark: the pages a citizen reads (home, search, an enterprise, the blacklist,
 * an entry, the guides, a report and its verification, the error-report form) and the
 * statistics for staff, rendered by the built server (ROLE=all, its own process) over the demo
 * data of `npm run seed:demo`. Each page is asked `--requests` times by `--clients` concurrent
 * clients after a warm-up, as a browser asks (gzip accepted); two clients by default, one per core
 * of the machine the figures were recorded on. The floor is the error-report form
 * of the same server (the template engine and the layout, no database), asked the same way in
 * the same run; each page's p95 is also given as a ratio to the floor's.
 *
 *   npm run build && npx tsx bench/public.ts --requests 300 --clients 2
 *
 * Targets (issue 20): every public page p95 ≤ 30 ms on the demo data and under 40 KB before
 * compression, the statistics page under 60 KB.
 */
import { arg, demoServer, machine, measurePage, PageTiming, sql } from './lib';

const REQUESTS = arg('requests', 300);
const CLIENTS = arg('clients', 2);
const WARMUP = arg('warmup', 30);
const PORT = arg('port', 3994);
const DB = 'qc_bench_public';
const PREFIX = 'qc_bench_public';
const P95_TARGET_MS = 30;
const MAX_BYTES = 40 * 1024;
const MAX_STATS_BYTES = 60 * 1024;
const FLOOR = '/corrections/new';

interface Result extends PageTiming {
  path: string;
  limit: number;
}

async function main() {
  // The public pages' own limit would refuse a benchmark's thousands of requests from one address.
  const server = await demoServer({ database: DB, port: PORT, prefix: PREFIX, env: { PUBLIC_RATE_LIMIT: '1000000' } });
  try {
    const [enterprise] = await sql(
      DB,
      `SELECT e.uscc FROM enterprises e JOIN credit_records r ON r.enterprise_id = e.id
        GROUP BY e.uscc ORDER BY count(*) DESC LIMIT 1`,
    );
    const [entry] = await sql(
      DB,
      `SELECT id FROM blacklist_entries WHERE status = 'published' ORDER BY proposed_at LIMIT 1`,
    );
    const issued = await fetch(server.url(`/api/v1/public/enterprises/${enterprise.uscc}/reports`), { method: 'POST' });
    if (issued.status !== 201) throw new Error(`issuing a report: ${issued.status} ${await issued.text()}`);
    const { number } = (await issued.json()) as { number: string };
    const staff = `qc_session=${await server.login('demo.regulator', 'demo-regulator-2024')}`;

    const pages: [string, string, number][] = [
      ['/', '', MAX_BYTES],
      ['/search?q=%E6%B8%A9', '', MAX_BYTES], // 温: one character, thousands of matches
      ['/search?q=%E9%98%80%E9%97%A8', '', MAX_BYTES], // 阀门
      [`/search?q=${enterprise.uscc}`, '', MAX_BYTES],
      [`/enterprises/${enterprise.uscc}`, '', MAX_BYTES],
      ['/blacklist', '', MAX_BYTES],
      ['/blacklist?q=%E6%B8%A9%E5%B7%9E', '', MAX_BYTES], // 温州
      [`/blacklist/${entry.id}`, '', MAX_BYTES],
      ['/guides/standard', '', MAX_BYTES],
      ['/guides/repair', '', MAX_BYTES],
      ['/guides/objection', '', MAX_BYTES],
      [`/reports/${number}`, '', MAX_BYTES],
      [`/reports/verify?no=${number}`, '', MAX_BYTES],
      ['/reports/verify', '', MAX_BYTES],
      ['/corrections/new', '', MAX_BYTES],
      ['/stats', staff, MAX_STATS_BYTES],
    ];
    const options = { requests: REQUESTS, clients: CLIENTS, warmup: WARMUP };
    const floor = await measurePage(server, FLOOR, '', options);
    const results: Result[] = [];
    for (const [path, cookie, limit] of pages) {
      results.push({ path, limit, ...(await measurePage(server, path, cookie, options)) });
    }

    console.log(`\nmachine: ${machine()}; ${REQUESTS} requests per page, ${CLIENTS} clients, after ${WARMUP} warm-up`);
    console.log(`floor (${FLOOR}): p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms\n`);
    console.log('| page | status | KB | p50 ms | p95 ms | p95 / floor |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      const path = decodeURIComponent(r.path)
        .replace(/9[0-9A-Z]{17}/, '{uscc}')
        .replace(/QCR-[0-9-]+/, '{number}')
        .replace(/\/blacklist\/\d+/, '/blacklist/{id}');
      console.log(
        `| ${path} | ${r.status} | ${(r.bytes / 1024).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${(r.p95 / floor.p95).toFixed(1)}× |`,
      );
    }
    const failed = results.filter((r) => r.status !== 200 || r.p95 > P95_TARGET_MS || r.bytes >= r.limit);
    console.log(
      failed.length
        ? `\nTARGET MISSED: ${failed.map((r) => r.path).join(', ')}`
        : `\nall ${results.length} pages: 200, p95 ≤ ${P95_TARGET_MS} ms, < 40 KB (statistics < 60 KB)`,
    );
    process.exitCode = failed.length ? 1 : 0;
  } finally {
    await server.stop();
    await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

void main();

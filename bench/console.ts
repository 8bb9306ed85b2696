/**
 * Console and portal pages benchmark: every page of the staff console (/console) and of the
 * enterprise's and institution's portals (/portal/…) rendered by the built server
 * (ROLE=all, its own process) over the demo data of `npm run seed:demo` (3 000 enterprises, their
 * records, grades and blacklist entries), as the person each page is for, signed in by the session
 * cookie. Each page is asked `--requests` times by `--clients` concurrent clients after a warm-up;
 * the floor is the public correction form of the same server (the same template engine and layout
 * work, no database), asked the same way in the same run, and each page's p95 is also given as a ratio
 * to the floor's.
 *
 *   npm run build && npx tsx bench/console.ts --requests 200 --clients 4
 *
 * Targets (issues 18, 19): every console and portal page p95 ≤ 100 ms on the demo data, and under
 * 60 KB before compression.
 */
import { arg, demoServer, machine, measurePage, PageTiming, sql } from './lib';

const REQUESTS = arg('requests', 200);
const CLIENTS = arg('clients', 4);
const WARMUP = arg('warmup', 20);
const PORT = arg('port', 3995);
const DB = 'qc_bench_console';
const PREFIX = 'qc_bench_console';
const P95_TARGET_MS = 100;
const MAX_BYTES = 60 * 1024;
/** A public page that reads no database: the template engine and the layout alone. */
const FLOOR = '/corrections/new';

interface Result extends PageTiming {
  path: string;
  as: string;
}

async function main() {
  const server = await demoServer({ database: DB, port: PORT, prefix: PREFIX });
  try {
    const cookies: Record<string, string> = {};
    for (const [role, username, password] of [
      ['regulator', 'demo.regulator', 'demo-regulator-2024'],
      ['reviewer', 'demo.reviewer', 'demo-reviewer-2024'],
      ['admin', 'demo.admin', 'demo-admin-2024'],
      ['enterprise', 'demo.enterprise', 'demo-enterprise-2024'],
      ['institution', 'demo.institution', 'demo-institution-2024'],
    ]) {
      cookies[role] = `qc_session=${await server.login(username, password)}`;
    }
    const [enterprise] = await sql(
      DB,
      `SELECT e.uscc FROM enterprises e JOIN credit_records r ON r.enterprise_id = e.id
        GROUP BY e.uscc ORDER BY count(*) DESC LIMIT 1`,
    );
    const [entry] = await sql(
      DB,
      `SELECT id FROM blacklist_entries WHERE status = 'published' ORDER BY proposed_at LIMIT 1`,
    );
    const [record] = await sql(DB, `SELECT id FROM credit_records ORDER BY id LIMIT 1`);
    const [imported] = await sql(DB, `SELECT id FROM imports ORDER BY created_at LIMIT 1`);
    const [user] = await sql(DB, `SELECT id FROM users WHERE username = 'demo.regulator'`);
    const [institution] = await sql(DB, `SELECT id FROM institutions ORDER BY name LIMIT 1`);
    const [own] = await sql(
      DB,
      `SELECT b.id FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id
         JOIN users u ON u.uscc = e.uscc AND u.username = 'demo.enterprise'
        WHERE b.status = 'published' ORDER BY b.proposed_at LIMIT 1`,
    );
    const pages: [string, string][] = [
      ['/console', 'regulator'],
      ['/console', 'reviewer'],
      ['/console/enterprises', 'regulator'],
      ['/console/enterprises?q=%E6%B8%A9%E5%B7%9E', 'regulator'],
      [`/console/enterprises/${enterprise.uscc}`, 'regulator'],
      ['/console/records/new', 'regulator'],
      ...(record ? [[`/console/records/${record.id}/correct`, 'regulator'] as [string, string]] : []),
      ['/console/imports', 'regulator'],
      ...(imported ? [[`/console/imports/${imported.id}`, 'regulator'] as [string, string]] : []),
      ['/console/blacklist', 'reviewer'],
      ['/console/blacklist/new', 'regulator'],
      [`/console/blacklist/${entry.id}`, 'reviewer'],
      [`/console/blacklist/${entry.id}/documents/notice`, 'regulator'],
      [`/console/blacklist/${entry.id}/documents/decision`, 'regulator'],
      ['/console/rule-sets', 'reviewer'],
      ['/console/admin', 'admin'],
      ['/console/admin/users', 'admin'],
      [`/console/admin/users/${user.id}`, 'admin'],
      ['/console/admin/institutions', 'admin'],
      ...(institution ? [[`/console/admin/institutions/${institution.id}`, 'admin'] as [string, string]] : []),
      ['/console/admin/departments', 'admin'],
      ['/console/admin/calendar', 'admin'],
      ['/console/admin/operations', 'admin'],
      ['/console/admin/uscc-allowlist', 'admin'],
      ['/console/enterprises/new', 'regulator'],
      [`/console/enterprises/${enterprise.uscc}/edit`, 'regulator'],
      ['/console/rule-sets/new', 'admin'],
      [`/console/blacklist/${entry.id}/revoke`, 'reviewer'],
      ['/console/audit', 'admin'],
      // The portals (issue 19), as the demo enterprise and the demo bank's user.
      ['/portal/enterprise', 'enterprise'],
      ['/portal/enterprise/records', 'enterprise'],
      ['/portal/enterprise/entries', 'enterprise'],
      ...(own ? [[`/portal/enterprise/entries/${own.id}`, 'enterprise'] as [string, string]] : []),
      ['/portal/enterprise/queries', 'enterprise'],
      ['/portal/enterprise/report', 'enterprise'],
      ['/portal/institution', 'institution'],
      ['/portal/institution/batch', 'institution'],
      ['/portal/institution/watchlist', 'institution'],
      ['/portal/institution/queries', 'institution'],
      ['/portal/institution/keys', 'institution'],
      ['/portal/institution/webhooks', 'institution'],
    ];
    const options = { requests: REQUESTS, clients: CLIENTS, warmup: WARMUP };
    const floor = await measurePage(server, FLOOR, '', options);
    const results: Result[] = [];
    for (const [path, as] of pages)
      results.push({ path, as, ...(await measurePage(server, path, cookies[as], options)) });

    console.log(`\nmachine: ${machine()}; ${REQUESTS} requests per page, ${CLIENTS} clients, after ${WARMUP} warm-up`);
    console.log(`floor (public page ${FLOOR}): p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms\n`);
    console.log('| page | as | status | KB | p50 ms | p95 ms | p95 / floor |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      const path = r.path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{id}').replace(/\/9[0-9A-Z]{17}/, '/{uscc}');
      console.log(
        `| ${path} | ${r.as} | ${r.status} | ${(r.bytes / 1024).toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${(r.p95 / floor.p95).toFixed(1)}× |`,
      );
    }
    const failed = results.filter((r) => r.status !== 200 || r.p95 > P95_TARGET_MS || r.bytes >= MAX_BYTES);
    console.log(
      failed.length
        ? `\nTARGET MISSED: ${failed.map((r) => r.path).join(', ')}`
        : `\nall ${results.length} pages: 200, p95 ≤ ${P95_TARGET_MS} ms, < 60 KB`,
    );
    process.exitCode = failed.length ? 1 : 0;
  } finally {
    await server.stop();
    await sql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
}

void main();

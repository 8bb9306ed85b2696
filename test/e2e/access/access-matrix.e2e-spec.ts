import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessRoutes, Caller, CALLERS, Verdict } from '../../../src/cli/access-table';
import { API_SCOPES } from '../../../src/access/principal';
import { CODES, createEnterprise, createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** docs/access.md, read as the table a person reads: route → caller → verdict. */
function documentedMatrix(): Map<string, Record<Caller, Verdict>> {
  const lines = readFileSync(join(__dirname, '../../../docs/access.md'), 'utf8').split('\n');
  const header = lines
    .find((l) => l.startsWith('| route |'))!
    .split('|')
    .map((c) => c.trim())
    .slice(1, -1);
  const matrix = new Map<string, Record<Caller, Verdict>>();
  for (const line of lines.filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) /.test(l))) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .slice(1, -1);
    matrix.set(
      cells[0],
      Object.fromEntries(header.slice(2).map((caller, i) => [caller, cells[i + 2]])) as Record<Caller, Verdict>,
    );
  }
  return matrix;
}

describe('access matrix', () => {
  let t: TestApp;
  const tokens: Partial<Record<Caller, string>> = {};
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const admin = await t.loginAdmin();
    tokens.admin = admin;
    await createEnterprise(t, admin, CODES.wenzhouLike);
    const bank = await createKey(t, admin, ['status:read']);
    tokens.regulator = await createUser(t, admin, {
      username: 'm.regulator',
      password: 'matrix-password',
      role: 'regulator',
      departmentCode: 'AMR',
    });
    tokens.reviewer = await createUser(t, admin, {
      username: 'm.reviewer',
      password: 'matrix-password',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    tokens.institution = await createUser(t, admin, {
      username: 'm.bank',
      password: 'matrix-password',
      role: 'institution',
      institutionId: bank.institutionId,
    });
    tokens.enterprise = await createUser(t, admin, {
      username: 'm.valve',
      password: 'matrix-password',
      role: 'enterprise',
      uscc: CODES.wenzhouLike,
    });
    // One key per scope, with a rate no test run reaches.
    for (const scope of API_SCOPES) keys[scope] = (await createKey(t, admin, [scope], undefined, 100_000)).key;
  });
  afterAll(() => t.close());

  /** The staff pages (under /console): signed in by the session cookie, posted from this site. */
  const pages = new Set(
    accessRoutes()
      .filter((r) => r.page)
      .map((r) => `${r.method} ${r.path}`),
  );

  function credentials(caller: Caller, routeScopes: string[], page: boolean): Record<string, string> | null {
    if (page) {
      const origin = { origin: 'http://localhost:80' };
      return caller === 'anonymous' ? origin : { ...origin, cookie: `qc_session=${tokens[caller as 'admin']}` };
    }
    if (caller === 'anonymous') return {};
    if (caller === 'key in scope') return { 'x-api-key': keys[routeScopes[0] ?? API_SCOPES[0]] };
    if (caller === 'key out of scope') {
      const other = API_SCOPES.find((s) => !routeScopes.includes(s));
      return other ? { 'x-api-key': keys[other] } : null;
    }
    return { authorization: `Bearer ${tokens[caller]}` };
  }

  const fill = (path: string, uscc: string) =>
    path
      .replace('{uscc}', uscc)
      .replace('{id}', '00000000-0000-4000-8000-000000000000')
      .replace('{code}', 'EPB')
      // A job that does not exist: who started a job is checked in the classification tests.
      .replace('{jobId}', 'no-such-job')
      .replace(/\{\w+\}/g, '1');

  it('lists every documented route in the OpenAPI document, and no other', async () => {
    const document = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    const served = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.sort()).toEqual([...documentedMatrix().keys()].filter((r) => !pages.has(r)).sort());
  });

  it('answers each caller on each route exactly as docs/access.md says', async () => {
    const document = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    const mismatches: string[] = [];
    let checked = 0;
    for (const [route, expected] of documentedMatrix()) {
      const [method, path] = route.split(' ');
      const page = pages.has(route);
      const grants: string[] = page ? [] : document.paths[path][method.toLowerCase()]['x-access'];
      const routeScopes = grants.filter((g) => g.startsWith('scope:')).map((g) => g.slice(6));
      for (const caller of CALLERS) {
        const verdict = expected[caller];
        const headers = credentials(caller, routeScopes, page);
        if (verdict === '—' || headers === null) continue;
        // `own` is checked twice: the enterprise's own code is allowed, another code is not.
        const cases: [string, Verdict][] =
          verdict === 'own'
            ? [
                [CODES.wenzhouLike, '✓'],
                [CODES.beijing, '403'],
              ]
            : [[CODES.wenzhouLike, verdict]];
        for (const [uscc, want] of cases) {
          const body = ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
          const res = await t.request({ method: method as 'GET', url: fill(path, uscc), headers, body });
          const got = res.statusCode;
          // A page sends a person without a session to the sign-in form; a page's own 303 goes elsewhere.
          const toLogin = got === 303 && String(res.headers.location).startsWith('/login');
          const ok =
            want === '✓' ? got !== 401 && got !== 403 && !toLogin : want === '303' ? toLogin : got === Number(want);
          if (!ok)
            mismatches.push(`${route} as ${caller} (${uscc}): expected ${want}, got ${got} ${res.body.slice(0, 120)}`);
          checked++;
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(150);
  });
});

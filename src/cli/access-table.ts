import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessGrant } from '../access/access.decorator';
import { AccessRoute, routesOf } from '../access/access-routes';
import { API_SCOPES } from '../access/principal';
import { apiControllers, operationsControllers } from '../routes';
import { sessionPageControllers } from '../web/web.module';
import { QUEUES_ROUTE } from '../web/console/queues-board';

/** Who is asked about in the table, in column order. */
export const CALLERS = [
  'anonymous',
  'admin',
  'regulator',
  'reviewer',
  'institution',
  'enterprise',
  'key in scope',
  'key out of scope',
] as const;
export type Caller = (typeof CALLERS)[number];

/**
 * ✓ allowed, `own` only for its own code, 401/403 refused, 404 hidden (/metrics), 303 sent to the
 * sign-in page (a console or portal page without a session), `—` no such caller exists.
 */
export type Verdict = '✓' | 'own' | '401' | '403' | '404' | '303' | '—';

/** Every route of the system: the API's, the operations', the staff console's and the portals' pages. */
export function accessRoutes(): AccessRoute[] {
  return [...routesOf([...apiControllers, ...operationsControllers, ...sessionPageControllers]), QUEUES_ROUTE].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
}

/** What `caller` gets on a route with these grants (`page`: a console or portal page, signed in by the session cookie). */
export function verdict(grants: AccessGrant[], caller: Caller, page = false): Verdict {
  if (page) {
    // A page reads the session cookie only: a key (or a bearer header) is no session.
    if (caller === 'anonymous') return '303';
    if (caller === 'key in scope' || caller === 'key out of scope') return '—';
  }
  if (grants.includes('public') || grants.includes('login') || grants.includes('internal')) return '✓';
  // None of the callers holds METRICS_TOKEN.
  if (grants.includes('metrics')) return '404';
  const scopes = grants.filter((g) => g.startsWith('scope:'));
  switch (caller) {
    case 'anonymous':
      return '401';
    case 'key in scope':
      return scopes.length ? '✓' : '403';
    case 'key out of scope':
      return scopes.length === API_SCOPES.length ? '—' : '403';
    case 'enterprise':
      return grants.includes('enterprise') ? '✓' : grants.includes('enterprise:own') ? 'own' : '403';
    default:
      return grants.includes(caller) ? '✓' : '403';
  }
}

/** The Markdown of docs/access.md. */
export function accessTable(): string {
  const header = `| route | declared | ${CALLERS.join(' | ')} |`;
  const rule = `| --- | --- | ${CALLERS.map(() => '---').join(' | ')} |`;
  const rows = accessRoutes().map(
    (r) =>
      `| ${r.method} ${r.path} | ${r.grants.join(', ')} | ${CALLERS.map((c) => verdict(r.grants, c, r.page)).join(' | ')} |`,
  );
  return [
    '# Who may call what',
    '',
    'Generated from the `@Access(...)` declarations by `npm run docs:access`; do not edit by hand.',
    'A test fails when this file is out of date, and the access-matrix e2e test calls every route',
    'as each caller and checks the answer against this table.',
    '',
    '✓ allowed · `own` only for the enterprise whose code is in the path (403 for any other) ·',
    '401 no credentials · 403 wrong role or scope · 404 answered as if absent (`metrics`: only with',
    '`Authorization: Bearer $METRICS_TOKEN`) · 303 sent to the sign-in page · — no such caller (a key',
    'always holds one of the scopes; a key is never a session on a page).',
    'Routes under `/console` (staff) and `/portal` (an enterprise, an institution) are pages: the session',
    'cookie of `/login` signs the person in, never a header; a page that changes something also refuses',
    "a post from another site. A portal page shows only the signed-in enterprise's or institution's own",
    "data: another's gives the 404 page.",
    '"key in scope" holds one of the route\'s scopes; "key out of scope" holds none of them.',
    '',
    header,
    rule,
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) {
  const target = join(process.cwd(), 'docs', 'access.md');
  writeFileSync(target, accessTable());
  console.log(`wrote ${target}`);
}

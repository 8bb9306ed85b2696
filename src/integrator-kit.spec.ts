import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { routesOf } from './access/access-routes';
import { apiControllers, operationsControllers } from './routes';

/**
 * The integrator's kit stays true to the code: docs/integration.md lists every problem code the
 * API answers with, and every request of api.http is a route the API serves.
 */

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The codes src gives its problems: Problem.badRequest('code', …), new Problem(status, 'code', …), tooManyRequests(…, 'code'). */
function problemCodes(): Set<string> {
  const codes = new Set(['unauthorized', 'forbidden', 'rate-limited']); // Problem.unauthorized/forbidden, tooManyRequests' default
  for (const path of sourcesUnder(join(root, 'src'))) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/Problem\.\w+\(\s*'([a-z]+(?:-[a-z0-9]+)+)'/g)) codes.add(m[1]);
    // new Problem(status, 'code', …): the status, and the code with it, may be chosen by a condition.
    const constructed =
      /new Problem\(\s*[^,]+,\s*(?:[\w.]+\s*\?\s*)?'([a-z]+(?:-[a-z0-9]+)+)'(?:\s*:\s*'([a-z]+(?:-[a-z0-9]+)+)')?/g;
    for (const m of text.matchAll(constructed)) [m[1], m[2]].filter(Boolean).forEach((c) => codes.add(c));
    for (const m of text.matchAll(/tooManyRequests\([\s\S]{0,600}?,\s*\w+,\s*'([a-z]+(?:-[a-z0-9]+)+)',?\s*\)/g))
      codes.add(m[1]);
  }
  return codes;
}

describe("the integrator's kit", () => {
  it('lists in docs/integration.md every problem code the API answers with', () => {
    const doc = read('docs/integration.md');
    const table = /<!-- problem-codes:begin -->([\s\S]*?)<!-- problem-codes:end -->/.exec(doc)?.[1] ?? '';
    const listed = new Set([...table.matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|/gm)].map((m) => m[1]));
    const missing = [...problemCodes()].filter((code) => !listed.has(code)).sort();
    expect(missing).toEqual([]); // add each to the table in docs/integration.md, in Chinese and English
  });

  it('sends in api.http only requests the API serves', () => {
    const routes = routesOf([...apiControllers, ...operationsControllers]).map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`),
    }));
    const requests = [...read('api.http').matchAll(/^(GET|POST|PUT|PATCH|DELETE) \{\{baseUrl\}\}(\S+)$/gm)].map(
      ([, method, url]) => ({ method, path: url.split('?')[0].replace(/\{\{\w+\}\}/g, 'x') }),
    );
    expect(requests.length).toBeGreaterThan(25);
    const unserved = requests
      .filter((q) => q.path !== '/docs-json') // Swagger's own route
      .filter((q) => !routes.some((r) => r.method === q.method && r.pattern.test(q.path)))
      .map((q) => `${q.method} ${q.path}`);
    expect(unserved).toEqual([]);
  });

  it('is described in openapi.json: Location on 202, RateLimit-* where limits apply, Idempotency-Key where honoured', () => {
    type Response = { headers?: Record<string, unknown> };
    type Operation = { parameters?: { name: string; in: string }[]; responses: Record<string, Response> };
    const document = JSON.parse(read('openapi.json')) as { paths: Record<string, Record<string, Operation>> };
    const op = (path: string, method: string) => document.paths[path][method];
    const headersOf = (operation: Operation, status: string) => Object.keys(operation.responses[status]?.headers ?? {});
    for (const item of Object.values(document.paths)) {
      for (const operation of Object.values(item)) {
        if (operation.responses['202']) expect(headersOf(operation, '202')).toContain('Location');
      }
    }
    const lookup = op('/api/v1/credit-status/{uscc}', 'get');
    for (const status of ['200', '404', '429']) {
      expect(headersOf(lookup, status)).toEqual(
        expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
      );
    }
    expect(headersOf(op('/api/v1/auth/login', 'post'), '200')).toContain('RateLimit-Remaining');
    expect(headersOf(op('/api/v1/audit/events', 'get'), '200')).not.toContain('RateLimit-Remaining'); // staff: no limit
    for (const [path, status] of [
      ['/api/v1/webhooks', '201'],
      ['/api/v1/imports', '202'],
      ['/api/v1/credit-status/batch', '200'],
    ]) {
      const operation = op(path, 'post');
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
      expect(headersOf(operation, status)).toContain('Idempotency-Replayed');
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['409', '422']));
    }
  });

  it('is linked from the README', () => {
    const readme = read('README.md');
    expect(readme).toContain('(docs/integration.md)');
    expect(readme).toContain('(api.http)');
  });
});

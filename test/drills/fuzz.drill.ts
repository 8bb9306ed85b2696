import { AppProcess, drillEnv } from './lib/app';
import { changedTables, tableDigests } from './lib/db';
import { printFigures } from './lib/figures';
import { Case, hasInput, makeCase, routesOf, SAFE } from './lib/fuzz';
import { percentile, sampleHealth } from './lib/health-sampler';
import { must, send } from './lib/http';
import { scale } from './lib/scale';
import { cleanUp, sharedDatabase, startRedis } from './lib/services';
import { Actors, createActors } from './lib/world';

/** The server's body limit (bootstrap's `bodyLimit`), and the errors a client sees when it closes on a larger body. */
const BODY_LIMIT_BYTES = 1_048_576;
const OVERSIZE_CLOSED = ['EPIPE', 'ECONNRESET'];
const bodyBytes = (body: unknown): number =>
  body === undefined
    ? 0
    : typeof body === 'string' || Buffer.isBuffer(body)
      ? Buffer.byteLength(body)
      : Buffer.byteLength(JSON.stringify(body));

/** Tables that log requests by design: the credit query log answers "who queried me". */
const LOGS = ['credit_queries'];
const CONCURRENCY = 4;

/**
 * The bad-input fuzzer: DRILL_FUZZ_CASES cases over every route of the OpenAPI document, each
 * with valid credentials for one of the route's roles and exactly one thing wrong (types,
 * missing and extra fields, huge numbers, NUL bytes, deep nesting, invalid UTF-8, 10 001-element
 * arrays, broken JSON and uploads). Every answer must be a 4xx, no row may change, and
 * /health/live must answer within DRILL_HEALTH_MS (p95; none over four times it) throughout. DRILL_FUZZ_SEED repeats a run.
 */
describe('drill: bad-input fuzzer', () => {
  let api: AppProcess;
  let databaseUrl: string;
  let actors: Actors;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('fuzz');
    const redis = await startRedis();
    api = await AppProcess.start('api', drillEnv('fuzz', { DATABASE_URL: databaseUrl, REDIS_URL: redis.url }));
    actors = await createActors(api);
  });

  afterAll(() => cleanUp());

  it('answers only 4xx, changes nothing and keeps /health/live fast', async () => {
    const doc = (await must(api.url('/docs-json'), {}, 200)).json();
    const all = routesOf(doc);
    const routes = all.filter((r) => hasInput(r) || SAFE.has(r.method));
    const notFuzzed = all.filter((r) => !routes.includes(r)).map((r) => `${r.method} ${r.path}`);
    const seed = Number(process.env.DRILL_FUZZ_SEED ?? Date.now() % 1_000_000_000);
    const before = await tableDigests(databaseUrl, LOGS);

    const statuses = new Map<string, number>();
    const failures: string[] = [];
    const accepted: string[] = [];
    /** One line per (answer, route, kind of bad input), with a count and the first case. */
    const groups = new Map<string, { count: number; example: string }>();
    const group = (key: string, example: string) => {
      const seen = groups.get(key);
      if (seen) seen.count++;
      else groups.set(key, { count: 1, example });
    };
    const routesAnswered = new Set<string>();
    const health = sampleHealth(api.url('/health/live'));
    const started = Date.now();
    let next = 0;
    const sendOne = async (c: Case) => {
      try {
        const answer = await send(api.url(c.url), {
          method: c.route.method,
          body: c.body,
          contentType: c.contentType,
          token: c.token,
          apiKey: c.apiKey,
          timeoutMs: 30_000,
        });
        const kind = `${Math.floor(answer.status / 100)}xx`;
        statuses.set(String(answer.status), (statuses.get(String(answer.status)) ?? 0) + 1);
        routesAnswered.add(`${c.route.method} ${c.route.path}`);
        const shown = `#${c.n} ${c.shown} → ${answer.status} ${answer.body.slice(0, 300)}`;
        const key = `${answer.status} ${c.route.method} ${c.route.path} [${c.mutation}]`;
        if (kind === '5xx' || answer.status < 200) {
          failures.push(shown);
          group(key, shown);
        } else if (kind !== '4xx') {
          // a GET without any input to get wrong may answer; anything else took bad input
          if (c.mutation === 'query:junk') return;
          if (SAFE.has(c.route.method)) accepted.push(shown);
          else failures.push(`accepted: ${shown}`);
          group(key, shown);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        statuses.set(code, (statuses.get(code) ?? 0) + 1);
        // A body over the server's limit is refused (413) without being read, and the connection
        // closed: the client may still be writing it and see EPIPE or a reset before the answer.
        // That is the refusal, not a failure; a connection error on any other case is one.
        if (OVERSIZE_CLOSED.includes(code) && bodyBytes(c.body) > BODY_LIMIT_BYTES) return;
        failures.push(`#${c.n} ${c.shown} → ${(error as Error).message}`);
        group(`${code} ${c.route.method} ${c.route.path} [${c.mutation}]`, failures[failures.length - 1]);
      }
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let n = next++; n < scale.fuzzCases; n = next++) {
          const route = routes[n % routes.length];
          const grants = route.grants;
          const credential = grants[Math.floor(n / routes.length) % grants.length];
          await sendOne(makeCase(n, seed, route, actors, credential));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1_000;
    const samples = await health.stop();
    const after = await tableDigests(databaseUrl, LOGS);
    const changed = changedTables(before, after);

    printFigures('fuzzer', {
      seed,
      cases: scale.fuzzCases,
      'routes fuzzed': `${routesAnswered.size} of ${all.length}`,
      'not fuzzed (no input, not safe)': notFuzzed.join(', ') || 'none',
      seconds: seconds.toFixed(1),
      answers: [...statuses.entries()]
        .sort()
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
      '5xx or no answer': failures.filter((f) => !f.startsWith('accepted')).length,
      'unsafe requests accepted': failures.filter((f) => f.startsWith('accepted')).length,
      'GETs answered 2xx to bad input': accepted.length,
      'tables changed': changed.join(', ') || 'none',
      'health samples': samples.length,
      'health failed': samples.filter((s) => s < 0).length,
      'health p50 / p99 / max (ms)': `${percentile(samples, 50).toFixed(1)} / ${percentile(samples, 99).toFixed(1)} / ${Math.max(...samples).toFixed(1)}`,
    });
    const listed = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    for (const [key, { count, example }] of listed)
      process.stdout.write(`  ${key} ×${count}\n      e.g. ${example.slice(0, 400)}\n`);

    // the cases themselves are listed above
    expect({ '5xx, no answer or unsafe accepted': failures.length, 'GETs accepted': accepted.length }).toEqual({
      '5xx, no answer or unsafe accepted': 0,
      'GETs accepted': 0,
    });
    expect(changed).toEqual([]);
    expect(samples.filter((s) => s < 0)).toEqual([]);
    // Nineteen answers in twenty within the limit, and none near a blocked event loop (which takes
    // seconds): one garbage collection on a busy two-core host may pass the limit by a few ms.
    expect(percentile(samples, 95)).toBeLessThan(scale.healthMs);
    expect(Math.max(...samples)).toBeLessThan(4 * scale.healthMs);
    expect(api.running).toBe(true);
  });
});

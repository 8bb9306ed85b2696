import { Agent } from 'node:http';
import { Client } from 'pg';
import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { send } from './lib/http';
import { Load, sleep } from './lib/load';
import { scale } from './lib/scale';
import { cleanUp, RedisServer, sharedDatabase } from './lib/services';
import { Actors, createActors } from './lib/world';

/**
 * The API SIGTERMed under mixed load from keep-alive clients (reads, searches and writes): it
 * must drain and exit 0; every write answered 2xx must be stored; no request a client managed
 * to send may end in a connection reset (a refused connection after exit is fine: nothing was
 * sent).
 */
describe('drill: the API stopped with SIGTERM under load', () => {
  let api: AppProcess;
  let databaseUrl: string;
  let actors: Actors;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('sigterm');
    const redis = await RedisServer.start();
    const env = drillEnv('sigterm', { DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
    api = await AppProcess.start('api', env);
    await AppProcess.start('worker', env);
    actors = await createActors(api);
  });

  afterAll(() => cleanUp());

  it('drains: no acknowledged write lost, no reset on a request sent', async () => {
    // the load starts on a warm process
    const agent = new Agent({ keepAlive: true, maxSockets: scale.writers });
    const acknowledged: string[] = [];
    const attempted: string[] = [];
    const run = Date.now().toString(36);
    let stopping = false;
    const load = new Load(
      scale.writers,
      async (n) => {
        const kind = n % 3;
        const answer =
          kind === 0
            ? await (async () => {
                const documentNo = `TERM-${run}-${n}`;
                attempted.push(documentNo);
                const a = await send(api.url(`/api/v1/enterprises/${actors.uscc}/records`), {
                  method: 'POST',
                  agent,
                  token: actors.regulator,
                  body: { type: 'spot_check_pass', occurredOn: '2026-03-15', documentNo, summary: '监督抽查：合格' },
                });
                if (a.status === 201) acknowledged.push(documentNo);
                return a;
              })()
            : kind === 1
              ? await send(api.url(`/api/v1/public/enterprises?q=${encodeURIComponent('阀门')}`), { agent })
              : await send(api.url(`/api/v1/enterprises/${actors.uscc}`), { agent, token: actors.reviewer });
        return `${stopping ? 'draining' : 'before'}:${answer.status}${answer.headers.connection === 'close' ? '+close' : ''}`;
      },
      5,
    ).start();

    await sleep(3_000);
    stopping = true;
    const termAt = Date.now();
    const exit = await api.stop('SIGTERM');
    const drainSeconds = (Date.now() - termAt) / 1_000;
    await sleep(500); // clients now meet a closed port
    await load.stop();
    agent.destroy();

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ document_no: string; n: string }>(
      `SELECT document_no, count(*) AS n FROM credit_records WHERE document_no = ANY($1) GROUP BY document_no`,
      [attempted],
    );
    await db.end();
    const stored = new Map(rows.map((r) => [r.document_no, Number(r.n)]));
    const found = acknowledged.filter((d) => stored.has(d)).length;
    const resets = load.count((k) => /ECONNRESET|socket hang up|EPIPE/.test(k));
    const refused = load.count((k) => k === 'ECONNREFUSED');
    printFigures('sigterm', {
      sent: load.sent - refused,
      'refused after exit (not sent)': refused,
      acknowledged: acknowledged.length,
      'found after': found,
      lost: acknowledged.length - found,
      duplicated: [...stored.values()].reduce((s, n) => s + n - 1, 0),
      'connection resets': resets,
      'seconds to drain and exit': drainSeconds.toFixed(1),
      'exit code': `${exit.code ?? exit.signal}`,
      answers: load.summary(),
    });

    // Nest re-raises the signal once its shutdown hooks have run: SIGTERM or 0 are a clean exit
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(api.log()).not.toMatch(/"level":(50|60)/);
    expect(found).toBe(acknowledged.length);
    expect(resets).toBe(0);
    expect(load.count((k) => /:5\d\d/.test(k) && !/:503/.test(k))).toBe(0);
  });
});

import { Agent } from 'node:http';
import { Client } from 'pg';
import { AppProcess, drillEnv } from './lib/app';
import { printFigures } from './lib/figures';
import { send } from './lib/http';
import { Load, sleep } from './lib/load';
import { CI, scale } from './lib/scale';
import { cleanUp, sharedDatabase, startRedis } from './lib/services';
import { Actors, createActors } from './lib/world';

/** A reset is a race of a request with the server's end: several stops catch it more often. */
const STOPS = Number(process.env.DRILL_SIGTERM_STOPS ?? (CI ? 3 : 6));

/**
 * The API SIGTERMed under mixed load from keep-alive clients (reads, searches and writes),
 * DRILL_SIGTERM_STOPS times: it must drain and exit cleanly; every write answered 2xx must be
 * stored; no request a client managed to send may end in a connection reset (a refused
 * connection after the exit is fine: nothing was sent).
 */
describe('drill: the API stopped with SIGTERM under load', () => {
  let databaseUrl: string;
  let env: ReturnType<typeof drillEnv>;
  let actors: Actors;

  beforeAll(async () => {
    databaseUrl = await sharedDatabase('sigterm');
    const redis = await startRedis();
    env = drillEnv('sigterm', { DATABASE_URL: databaseUrl, REDIS_URL: redis.url });
    await AppProcess.start('worker', env);
  });

  afterAll(() => cleanUp());

  it('drains: no acknowledged write lost, no reset on a request sent', async () => {
    const acknowledged: string[] = [];
    const attempted: string[] = [];
    const resetDetails: string[] = [];
    const exits: string[] = [];
    const drains: number[] = [];
    const errorsLogged: number[] = [];
    const counts = new Map<string, number>();
    let sent = 0;

    for (let stop = 0; stop < STOPS; stop++) {
      const api = await AppProcess.start('api', env, `api-${stop}`);
      actors ??= await createActors(api);
      const agent = new Agent({ keepAlive: true, maxSockets: scale.writers });
      let termAt = 0;
      const load = new Load(
        scale.writers,
        async (n) => {
          const sentAt = Date.now();
          const phase = termAt ? 'draining' : 'before';
          const kind = n % 3;
          const documentNo = `TERM-${stop}-${n}`;
          if (kind === 0) attempted.push(documentNo);
          const answer = await (
            kind === 0
              ? send(api.url(`/api/v1/enterprises/${actors.uscc}/records`), {
                  method: 'POST',
                  agent,
                  token: actors.regulator,
                  body: { type: 'spot_check_pass', occurredOn: '2026-03-15', documentNo, summary: '监督抽查：合格' },
                })
              : kind === 1
                ? send(api.url(`/api/v1/public/enterprises?q=${encodeURIComponent('阀门')}`), { agent })
                : send(api.url(`/api/v1/enterprises/${actors.uscc}`), { agent, token: actors.reviewer })
          ).catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
            if (error.code === 'ECONNREFUSED') throw error; // not sent
            // where and when a request was cut: on a kept-alive or a new socket, how long after SIGTERM
            const when = termAt ? `${sentAt - termAt} ms after SIGTERM` : 'before SIGTERM';
            resetDetails.push(`${error.code} on a ${error.reusedSocket ? 'kept-alive' : 'new'} socket, sent ${when}`);
            throw error;
          });
          if (kind === 0 && answer.status === 201) acknowledged.push(documentNo);
          return `${phase}:${answer.status}${answer.headers.connection === 'close' ? '+close' : ''}`;
        },
        5,
      ).start();

      await sleep(2_000);
      termAt = Date.now();
      const exit = await api.stop('SIGTERM');
      drains.push((Date.now() - termAt) / 1_000);
      await sleep(300); // clients now meet a closed port
      await load.stop();
      agent.destroy();
      exits.push(exit.code === 0 ? '0' : `${exit.code ?? exit.signal}`);
      errorsLogged.push((api.log().match(/"level":(50|60)/g) ?? []).length);
      sent += load.sent;
      for (const [kind, n] of load.counts) counts.set(kind, (counts.get(kind) ?? 0) + n);
    }

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ document_no: string; n: string }>(
      `SELECT document_no, count(*) AS n FROM credit_records WHERE document_no = ANY($1) GROUP BY document_no`,
      [attempted],
    );
    await db.end();
    const stored = new Map(rows.map((r) => [r.document_no, Number(r.n)]));
    const found = acknowledged.filter((d) => stored.has(d)).length;
    const count = (test: (kind: string) => boolean) =>
      [...counts.entries()].reduce((sum, [kind, n]) => sum + (test(kind) ? n : 0), 0);
    const refused = count((k) => k === 'ECONNREFUSED');
    printFigures('sigterm', {
      stops: STOPS,
      sent: sent - refused,
      'refused after exit (not sent)': refused,
      acknowledged: acknowledged.length,
      'found after': found,
      lost: acknowledged.length - found,
      duplicated: [...stored.values()].reduce((s, n) => s + n - 1, 0),
      'connection resets': resetDetails.length,
      'seconds to drain and exit': drains.map((s) => s.toFixed(1)).join(' '),
      'exits (code or signal)': exits.join(' '),
      'errors logged': errorsLogged.join(' '),
      answers: [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([kind, n]) => `${kind}×${n}`)
        .join(' '),
      'resets, each': resetDetails.join('; ') || 'none',
    });

    // Nest re-raises the signal once its shutdown hooks have run: SIGTERM or 0 are a clean exit
    expect(exits.filter((e) => e !== '0' && e !== 'SIGTERM')).toEqual([]);
    expect(errorsLogged.every((n) => n === 0)).toBe(true);
    expect(found).toBe(acknowledged.length);
    expect(resetDetails).toEqual([]);
    expect(count((k) => /:5\d\d/.test(k) && !/:503/.test(k))).toBe(0);
  });
});

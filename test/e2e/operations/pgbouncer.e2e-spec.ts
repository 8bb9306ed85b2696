import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { PgBouncerHandle, PgServer, startPgBouncer, startPrimary } from '../../../deploy/local/engines/postgres';
import { makeUscc } from '../../../src/common/uscc';
import { prepareDatabase } from '../../../src/database/prepare-database';
import { adminAndRegulator, CODES, createKey } from '../../helpers/fixtures';
import { multipart } from '../../helpers/multipart';
import { freePort } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/** The status lookup's statement name (credit-queries.repository.ts), prepared once per connection. */
const LOOKUP = 'credit-status-lookup';

/**
 * The app through PgBouncer in session mode, the mode to run it in on PgBouncer < 1.21 (Debian
 * 12 has 1.18): the status lookup's named prepared statements, the large batch's and the
 * import's COPY, and the migrations' session advisory lock all work as on the server. In
 * transaction mode the same pool's named statements meet connections that have them already,
 * or not at all (docs/scale-out.md). Needs root (the servers run as the postgres user).
 */
describe('PgBouncer', () => {
  let root: string;
  let primary: PgServer | undefined;
  const bouncers: PgBouncerHandle[] = [];
  let t: TestApp | undefined;
  let admin: string;
  let regulator: string;
  let bankKey: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'qc-pgbouncer-'));
    primary = await startPrimary(root, await freePort());
    const session = await startPgBouncer(root, await freePort(), primary, 'session');
    bouncers.push(session);
    // The migrations too go through it (their advisory lock is a session's).
    await prepareDatabase(session.url('qc'));
    t = await TestApp.start(__filename, { DATABASE_URL: session.url('qc'), PUBLIC_RATE_LIMIT: '1000000' });
    ({ admin, regulator } = await adminAndRegulator(t, { username: 'qts.pool', password: 'importer-pass-1' }, [
      CODES.wenzhouLike,
    ]));
    bankKey = (await createKey(t, admin, ['status:read', 'batch:read'])).key;
  }, 60_000);

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      for (const bouncer of bouncers) await bouncer.stop().catch(() => undefined);
      await primary?.stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });

  const app = () => t!;

  it('in session mode: concurrent status lookups, a COPY-logged batch and an import all succeed', async () => {
    // More lookups at once than one connection: each of the pool's connections prepares the
    // statement once and keeps its server connection, so it finds it there again.
    const lookups = await Promise.all(
      Array.from({ length: 60 }, () =>
        app().request({
          method: 'GET',
          url: `/api/v1/credit-status/${CODES.wenzhouLike}?purpose=loan_review`,
          headers: { 'x-api-key': bankKey },
        }),
      ),
    );
    expect(lookups.map((r) => r.statusCode)).toEqual(lookups.map(() => 200));

    // 1 000 codes and more: the log is written by COPY beside the lookup.
    const usccs = [CODES.wenzhouLike, ...Array.from({ length: 1_100 }, (_, i) => makeUscc('330302', 500_000 + i))];
    const batch = await app().request({
      method: 'POST',
      url: '/api/v1/credit-status/batch',
      headers: { 'x-api-key': bankKey },
      body: { purpose: 'loan_review', usccs },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().results.map((r: { uscc: string }) => r.uscc)).toEqual([CODES.wenzhouLike]);
    const [{ n }] = await app().sql<{ n: number }>(`SELECT count(*)::int AS n FROM credit_queries`);
    expect(n).toBe(60 + usccs.length);

    // An import: its rows staged by COPY in its transaction.
    const codes = Array.from({ length: 30 }, (_, i) => makeUscc('330302', 600_000 + i));
    const csv =
      'uscc,name,districtCode,industryCode,legalRepresentative,address,registeredOn\n' +
      codes.map((c, i) => `${c},温州池化${i}号阀门有限公司,330302,C3443,张${i},温州市某路${i}号,2010-01-01\n`).join('');
    const body = multipart({ kind: 'enterprises' }, { name: 'data.csv', content: csv });
    const upload = await app().request({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { ...body.headers, authorization: `Bearer ${regulator}` },
      body: body.payload,
    });
    expect(upload.statusCode).toBe(202);
    const done = await until('the import to finish', async () => {
      const res = await app().request({ method: 'GET', url: `/api/v1/imports/${upload.json().id}`, token: admin });
      return !['queued', 'running'].includes(res.json().status) && res.json();
    });
    expect(done).toMatchObject({ status: 'completed', importedRows: 30, rejectedRows: 0 });
    const stored = await app().sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM enterprises WHERE uscc = ANY($1::text[])`,
      [codes],
    );
    expect(stored[0].n).toBe(30);
  });

  it('in transaction mode (PgBouncer 1.18): the named statements meet other clients’ connections', async () => {
    const transaction = await startPgBouncer(root, await freePort(), primary!, 'transaction');
    bouncers.push(transaction);
    const pool = new Pool({ connectionString: transaction.url('qc'), max: 6 });
    const errors = new Set<string>();
    let answered = 0;
    try {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let i = 0; i < 30; i++) {
            try {
              await pool.query({ name: LOOKUP, text: 'SELECT $1::int AS i', values: [i] });
              answered++;
            } catch (error) {
              errors.add((error as Error).message);
            }
          }
        }),
      );
    } finally {
      await pool.end();
    }
    // Each pg client prepares once and then only executes: PgBouncer gives its next transaction
    // whichever server connection is free, where another client prepared it, or nobody did.
    expect([...errors].sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^prepared statement "credit-status-lookup" (already exists|does not exist)$/),
      ]),
    );
    expect(answered).toBeLessThan(180);
  });
});

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { CompactSign, compactVerify, createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '../../../src/audit/audit.service';
import { auditVerify } from '../../../src/cli/audit-verify';
import { QueueName } from '../../../src/jobs/queues';
import { ExportsService } from '../../../src/sharing/exports/exports.service';
import { TestClock } from '../../helpers/clock';
import { createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** Signed checkpoints of the audit chain catch what re-chaining hides: truncation and rewriting. */
describe('audit checkpoints', () => {
  let t: TestApp;
  let admin: string;
  let dir: string;
  const logs: string[] = [];
  const clock = new TestClock(new Date('2026-03-03T02:00:00Z'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qc-checkpoints-'));
    t = await TestApp.start(
      __filename,
      { EXPORT_DIR: dir, LOG_LEVEL: 'warn' },
      { clock, logDestination: { write: (line: string) => void logs.push(line) } },
    );
    admin = await t.loginAdmin();
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const verify = async () => (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: admin })).json();
  const take = async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/audit/checkpoints', token: admin });
    expect(res.statusCode).toBe(201);
    return res.json() as { length: number; head: string; at: string; kid: string; jws: string };
  };
  /** The chain's rows, oldest first. */
  const chain = () => t.sql<{ seq: number; hash: string }>(`SELECT seq::int, hash FROM audit_events ORDER BY seq`);
  const writeSome = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await t.sql(
        `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id) VALUES ('system', 'cp', 'test.write', 'test', $1)`,
        [String(i)],
      );
    }
  };
  /** What a database superuser can do: the append-only and chain triggers off, `sql`, and back on. */
  const asSuperuser = (sql: string) =>
    t.sql(`ALTER TABLE audit_events DISABLE TRIGGER USER; ${sql}; ALTER TABLE audit_events ENABLE TRIGGER USER`);

  it('is taken every hour at 20 past (00:20 before the exports), the daily schedule of earlier versions gone', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const checkpoints = async () =>
      (await queue.getRepeatableJobs()).filter((job) => job.id === 'audit-checkpoint').map((job) => job.cron);
    expect(await checkpoints()).toEqual(['20 * * * *']);
  });

  it('warns at start that checkpoints signed with a key sealed by a secret in the database prove nothing against its readers', () => {
    const warnings = logs.map((line) => JSON.parse(line)).filter((l) => l.level === 40);
    expect(warnings).toContainEqual(
      expect.objectContaining({ msg: expect.stringMatching(/REPORT_KEY_SECRET is unset.*audit checkpoints/) }),
    );
  });

  it('signs {length, head, at} with the report key, verifiable with the JWKS, and publishes it newest first', async () => {
    await writeSome(1);
    const first = await take();
    const rows = await chain();
    expect(first).toEqual({
      length: rows.length,
      head: rows.at(-1)!.hash,
      at: '2026-03-03T02:00:00.000Z',
      kid: expect.any(String),
      jws: expect.any(String),
    });
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await compactVerify(first.jws, createLocalJWKSet(jwks));
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: first.kid, typ: 'audit-checkpoint+json' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      length: first.length,
      head: first.head,
      at: first.at,
    });

    await writeSome(2);
    clock.set('2026-03-03T02:02:00Z');
    const second = await take();
    expect(second.length).toBe(first.length + 2);
    // Public: no credentials, paginated, newest first.
    const page = await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints?pageSize=1' });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toEqual({ items: [second], page: 1, pageSize: 1, total: 2 });
    const next = await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints?page=2&pageSize=1' });
    expect(next.json().items).toEqual([first]);
    expect(await verify()).toEqual({ valid: true, length: second.length });
  });

  it("puts the newest checkpoint in the daily export's manifest", async () => {
    const bank = (await createKey(t, admin, ['feed:read'])).key;
    const [newest] = (await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints' })).json().items;
    await t.app.get(ExportsService).writeDay('2026-03-02');
    const manifest = await t.request({
      method: 'GET',
      url: '/api/v1/exports/2026-03-02',
      headers: { 'x-api-key': bank },
    });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json().auditCheckpoint).toBe(newest.jws);
  });

  it('reports a checkpoint no report key signed, keeps it out of the public list, and checks held ones against a pinned JWKS', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints' })).json();
    const { length, head } = await t.app.get(AuditService).head();
    const claim = { length, head, at: '2026-03-03T02:05:00.000Z' };
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    // alg none, as anyone who can INSERT into the table could write it.
    const unsigned = `${b64({ alg: 'none', typ: 'audit-checkpoint+json' })}.${b64(claim)}.`;
    // Signed properly, by a key that is not a report key.
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const otherKey = await new CompactSign(new TextEncoder().encode(JSON.stringify(claim)))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'audit-checkpoint+json', kid: before.items[0].kid })
      .sign(privateKey);
    await t.sql(`INSERT INTO audit_checkpoints (length, head, at, kid, jws) VALUES ($1, $2, $3, 'x', $4)`, [
      length,
      head,
      claim.at,
      unsigned,
    ]);
    expect(await verify()).toEqual({ valid: false, length, failedCheckpoint: { ...claim, found: 'forged' } });
    expect((await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints' })).json()).toEqual(before);
    await t.sql(`ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;
      DELETE FROM audit_checkpoints WHERE kid = 'x'; ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`);
    expect(await verify()).toEqual({ valid: true, length });

    // Held elsewhere: one signed by another key is forged; a pinned JWKS without the report key trusts none.
    const printed: string[] = [];
    const cli = (held: string[], keys?: JSONWebKeySet) => {
      printed.length = 0;
      return auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line), held, keys);
    };
    expect(await cli([otherKey])).toBe(1);
    expect(JSON.parse(printed[0])).toEqual({ valid: false, length, failedCheckpoint: { ...claim, found: 'forged' } });
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(await cli([before.items[0].jws], jwks)).toBe(0);
    const attacker = { keys: [{ ...(await exportJWK(publicKey)), kid: before.items[0].kid, alg: 'EdDSA' }] };
    // Pinned to the attacker's key, the stored (genuine) checkpoints do not hold.
    expect(await cli([otherKey], attacker)).toBe(1);
    expect(JSON.parse(printed[0]).failedCheckpoint.found).toBe('forged');
  });

  it('reports the newest rows deleted below a checkpoint, though the shorter chain is intact', async () => {
    const [first, second] = (await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints?pageSize=2' }))
      .json()
      .items.reverse() as { length: number; head: string; at: string; jws: string }[];
    const rows = await chain();
    const cut = rows[first.length + 1].seq;
    await asSuperuser(
      `CREATE TABLE deleted_rows AS SELECT * FROM audit_events WHERE seq >= ${cut}; DELETE FROM audit_events WHERE seq >= ${cut}`,
    );
    // The bank's API key, whose entry went with the deleted rows, is described by none any more.
    const differingRows = [{ table: 'api_keys', id: expect.any(String), found: 'unaudited' }];
    const expected = {
      valid: false,
      length: first.length + 1,
      firstBrokenAt: rows[first.length].seq, // the first row after the last checkpoint that holds
      differingRows,
      failedCheckpoint: { length: second.length, head: second.head, at: second.at, found: 'truncated' },
    };
    expect(await verify()).toEqual(expected);
    const printed: string[] = [];
    expect(await auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line))).toBe(1);
    expect(JSON.parse(printed[0])).toEqual(expected);

    // A superuser who also deletes the stored checkpoints is still caught by the copies an outsider kept.
    await t.sql(`ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;
      CREATE TABLE deleted_checkpoints AS SELECT * FROM audit_checkpoints; DELETE FROM audit_checkpoints;
      ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`);
    expect(await verify()).toEqual({ valid: false, length: first.length + 1, differingRows });
    printed.length = 0;
    expect(
      await auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line), [first.jws, second.jws]),
    ).toBe(1);
    expect(JSON.parse(printed[0])).toEqual(expected);

    // Put back, it verifies again.
    await t.sql(`INSERT INTO audit_checkpoints OVERRIDING SYSTEM VALUE SELECT * FROM deleted_checkpoints`);
    await asSuperuser(`INSERT INTO audit_events SELECT * FROM deleted_rows`);
    expect(await verify()).toEqual({ valid: true, length: rows.length });
  });

  it('reports a row rewritten and everything after it re-chained, at the first row no checkpoint vouches for', async () => {
    const [first, second] = (await t.request({ method: 'GET', url: '/api/v1/public/audit/checkpoints?pageSize=2' }))
      .json()
      .items.reverse() as { length: number; head: string; at: string }[];
    const rows = await chain();
    const forged = rows[first.length].seq; // the first row after the older checkpoint
    await asSuperuser(`
      DO $do$ DECLARE r record; previous char(64); BEGIN
        SELECT hash INTO previous FROM audit_events WHERE seq < ${forged} ORDER BY seq DESC LIMIT 1;
        FOR r IN SELECT seq FROM audit_events WHERE seq >= ${forged} ORDER BY seq LOOP
          UPDATE audit_events SET prev_hash = previous,
                 actor_name = CASE WHEN seq = ${forged} THEN 'someone-else' ELSE actor_name END
           WHERE seq = r.seq;
          UPDATE audit_events e SET hash = encode(sha256(convert_to(e.prev_hash || audit_canonical(e), 'UTF8')), 'hex')
           WHERE seq = r.seq RETURNING hash INTO previous;
        END LOOP;
      END $do$`);
    // The chain alone is consistent again; the checkpoint that covered the row is not.
    const result = await verify();
    expect(result).toEqual({
      valid: false,
      length: rows.length,
      firstBrokenAt: forged,
      failedCheckpoint: { length: second.length, head: second.head, at: second.at, found: 'differs' },
    });
  });

  it('reports a stored checkpoint written over, rather than failing', async () => {
    const [oldest] = await t.sql<{ id: string; length: number; head: string; at: Date }>(
      `SELECT c.id::text, c.length::int, c.head, c.at FROM audit_checkpoints c ORDER BY c.id LIMIT 1`,
    );
    await t.sql(`ALTER TABLE audit_checkpoints DISABLE TRIGGER USER;
      UPDATE audit_checkpoints SET jws = 'not.a.checkpoint' WHERE id = ${oldest.id};
      ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`);
    const res = await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      valid: false,
      firstBrokenAt: (await chain())[0].seq,
      failedCheckpoint: { length: oldest.length, head: oldest.head, at: oldest.at.toISOString(), found: 'unreadable' },
    });
  });
});

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditService } from '../../../src/audit/audit.service';
import { auditVerify } from '../../../src/cli/audit-verify';
import { JobName, QueueName } from '../../../src/jobs/queues';
import { CODES, createKey, createUser, enterpriseBody } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

describe('audit log', () => {
  let t: TestApp;
  let admin: string;
  let regulator: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    regulator = await createUser(t, admin, {
      username: 'amr.audit',
      password: 'regulator-pass-1',
      role: 'regulator',
      departmentCode: 'AMR',
    });
  });
  afterAll(() => t.close());

  const verify = async () => (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: admin })).json();
  /** The verification without its length, which a regrading's entry may move at any time. */
  const verified = async () => {
    const { length, ...rest } = await verify();
    expect(length).toEqual(expect.any(Number));
    return rest;
  };
  const events = async (query: string) =>
    (await t.request({ method: 'GET', url: `/api/v1/audit/events?${query}`, token: admin })).json();

  it('records every write with its actor, request id and digests, in the same transaction', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/enterprises',
      token: regulator,
      body: enterpriseBody(CODES.wenzhouLike),
      headers: { 'x-request-id': 'req-create-1' },
    });
    expect(created.statusCode).toBe(201);
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}`,
      token: regulator,
      body: { status: 'suspended' },
    });
    expect(patched.statusCode).toBe(200);
    const refused = await t.request({
      method: 'POST',
      url: '/api/v1/enterprises',
      token: regulator,
      body: enterpriseBody(CODES.wenzhouLike),
    });
    expect(refused.statusCode).toBe(409);

    const page = await events(`entityType=enterprise&entityId=${CODES.wenzhouLike}`);
    expect(page.total).toBe(2);
    const [update, create] = page.items;
    expect(create).toMatchObject({
      action: 'enterprise.create',
      actor: { type: 'user', name: 'amr.audit', id: expect.any(String) },
      requestId: 'req-create-1',
      beforeDigest: null,
      afterDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(update).toMatchObject({ action: 'enterprise.update', beforeDigest: create.afterDigest });
    expect(update.afterDigest).not.toBe(update.beforeDigest);
    expect(update.prevHash).toBe(create.hash);
    expect(JSON.stringify(page)).not.toContain('张三'); // digests, never the personal data itself
  });

  it('filters by actor and action and pages newest first', async () => {
    const mine = await events(
      'actorId=' + (await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'amr.audit'`))[0].id,
    );
    expect(mine.items.map((e: { action: string }) => e.action)).toEqual(['enterprise.update', 'enterprise.create']);
    const users = await events('action=user.create&pageSize=1');
    expect(users).toMatchObject({ total: 2, pageSize: 1 });
    expect(users.items[0].actor.name).toBe('admin');
    const bad = await t.request({ method: 'GET', url: '/api/v1/audit/events?from=yesterday', token: admin });
    expect(bad.statusCode).toBe(400);
  });

  it('is for administrators only', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/events', token: regulator })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/api/v1/audit/verify' })).statusCode).toBe(401);
  });

  it('keeps one unbroken chain when many connections write at once', async () => {
    const before = (await verify()).length;
    const writers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const client = new Client({ connectionString: t.config.DATABASE_URL });
        await client.connect();
        return client;
      }),
    );
    try {
      await Promise.all(
        writers.map(async (client, w) => {
          for (let i = 0; i < 20; i++) {
            await client.query('BEGIN');
            await client.query(
              `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id) VALUES ('system', $1, 'test.write', 'test', $2)`,
              [`writer-${w}`, `${w}-${i}`],
            );
            await client.query(i % 5 === 4 ? 'ROLLBACK' : 'COMMIT');
          }
        }),
      );
    } finally {
      await Promise.all(writers.map((c) => c.end()));
    }
    // And through the API at the same time as each other.
    const codes = ['91152201078377449P', '9115220107837941X1', '91152201078382010M'];
    const responses = await Promise.all(
      codes.map((uscc) =>
        t.request({ method: 'POST', url: '/api/v1/enterprises', token: admin, body: enterpriseBody(uscc) }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(await verify()).toEqual({ valid: true, length: before + 16 * 16 + 3 });
  });

  it('refuses a REPEATABLE READ writer whose snapshot predates the head (a serialization failure), so no row links to a stale one', async () => {
    const before = (await verify()).length;
    const [late, other] = await Promise.all(
      [0, 1].map(async () => {
        const client = new Client({ connectionString: t.config.DATABASE_URL });
        await client.connect();
        return client;
      }),
    );
    const write = (client: Client, id: string) =>
      client.query(
        `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id) VALUES ('system', 'rr', 'test.rr', 'test', $1)`,
        [id],
      );
    try {
      await late.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await late.query('SELECT 1'); // its snapshot
      await write(other, 'committed meanwhile');
      await expect(write(late, 'from the old snapshot')).rejects.toMatchObject({ code: '40001' });
      await late.query('ROLLBACK');
      // Started again, it sees the head and links to it.
      await late.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await write(late, 'from a new snapshot');
      await late.query('COMMIT');
    } finally {
      await Promise.all([late.end(), other.end()]);
    }
    expect(await verify()).toEqual({ valid: true, length: before + 2 });
  });

  it("chains a REPEATABLE READ transaction's pending entry after its commit, and a crash's leftovers at the next start", async () => {
    const before = (await verify()).length;
    const audit = t.app.get(AuditService);
    const system = { type: 'system' as const, id: null, name: 'rr-test', requestId: null };
    const dataSource = t.app.get(DataSource);
    await dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SELECT 1'); // its snapshot, before the next entry is chained
      await audit.record(dataSource.manager, system, { action: 'test.meanwhile', entityType: 'test', entityId: '1' });
      await audit.recordPending(manager, system, { action: 'test.pending', entityType: 'test', entityId: '2' });
    });
    await audit.chainPending();
    // A crash between a commit and the chaining leaves an entry pending; the next start chains it.
    await audit.recordPending(dataSource.manager, system, { action: 'test.left', entityType: 'test', entityId: '3' });
    const replica = await t.replica();
    await replica.close();

    expect(await t.sql(`SELECT count(*)::int AS n FROM audit_pending`)).toEqual([{ n: 0 }]);
    const actions = await t.sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE entity_type = 'test' AND actor_name = 'rr-test' ORDER BY seq`,
    );
    expect(actions.map((a) => a.action)).toEqual(['test.meanwhile', 'test.pending', 'test.left']);
    expect(await verify()).toEqual({ valid: true, length: before + 3 });
  });

  it("lists a credit record edited behind the application's back, against the chain's after digest", async () => {
    const uscc = '91152201078377449P';
    const recorded = await t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${uscc}/records`,
      token: regulator,
      body: {
        type: 'certification',
        occurredOn: '2026-03-12',
        documentNo: '温认证〔2026〕0001号',
        summary: '质量管理体系认证',
        disclosed: true,
      },
    });
    expect(recorded.statusCode).toBe(201);
    const amended = await t.request({
      method: 'POST',
      url: `/api/v1/records/${recorded.json().id}/corrections`,
      token: regulator,
      body: { action: 'amend', summary: '质量管理体系认证（复审）', reason: '录入错误' },
    });
    expect(amended.statusCode).toBe(201);
    // The regradings these ask for add entries of their own: let them finish, so the later tests'
    // chain lengths stay put.
    const classification = t.app.get<Queue>(getQueueToken(QueueName.Classification));
    await until('the regradings', async () => {
      const jobs = await classification.getJobs(['waiting', 'delayed', 'active']);
      return !jobs.some((job) => job?.name === JobName.RecomputeEnterprises);
    });
    expect(await verified()).toEqual({ valid: true });

    const edit = async (id: string, summary: string) => {
      await t.sql(`ALTER TABLE credit_records DISABLE TRIGGER credit_records_append_only`);
      await t.sql(`UPDATE credit_records SET summary = $2 WHERE id = $1`, [id, summary]);
      await t.sql(`ALTER TABLE credit_records ENABLE TRIGGER credit_records_append_only`);
    };
    const [{ seq: createdAt }, { seq: amendedAt }] = await t.sql<{ seq: number }>(
      `SELECT seq::int FROM audit_events WHERE entity_type = 'record' AND entity_id = $1 ORDER BY seq`,
      [recorded.json().id],
    );
    await edit(recorded.json().id, '伪造的摘要');
    await edit(amended.json().id, '伪造的更正');
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [
        { table: 'credit_records', id: recorded.json().id, seq: createdAt, found: 'changed' },
        { table: 'credit_records', id: amended.json().id, seq: amendedAt, found: 'changed' },
      ],
    });
    const printed: string[] = [];
    expect(await auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line))).toBe(1);
    expect(JSON.parse(printed[0]).differingRows).toHaveLength(2);

    // Put back as they were, they verify again (the later tests break the chain itself).
    await edit(recorded.json().id, '质量管理体系认证');
    await edit(amended.json().id, '质量管理体系认证（复审）');
    expect(await verified()).toEqual({ valid: true });

    // A deleted correction is missed by the entry that made it (named by the record it corrected).
    await t.sql(`ALTER TABLE credit_records DISABLE TRIGGER credit_records_append_only`);
    await t.sql(`CREATE TABLE deleted_records AS SELECT * FROM credit_records WHERE id = $1`, [amended.json().id]);
    await t.sql(`DELETE FROM credit_records WHERE id = $1`, [amended.json().id]);
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [{ table: 'credit_records', id: recorded.json().id, seq: amendedAt, found: 'missing' }],
    });
    await t.sql(`INSERT INTO credit_records OVERRIDING SYSTEM VALUE SELECT * FROM deleted_records`);
    await t.sql(`ALTER TABLE credit_records ENABLE TRIGGER credit_records_append_only`);
    expect(await verified()).toEqual({ valid: true });
  });

  it("lists an allowed legacy code deleted behind the application's back", async () => {
    const allowed = await t.request({
      method: 'POST',
      url: '/api/v1/uscc-allowlist',
      token: admin,
      body: { uscc: '91330100799655058A', reason: '早期赋码，校验位不符' },
    });
    expect(allowed.statusCode).toBe(201);
    expect(await verified()).toEqual({ valid: true });
    const [{ seq }] = await t.sql<{ seq: number }>(
      `SELECT max(seq)::int AS seq FROM audit_events WHERE entity_type = 'uscc-allowlist' AND entity_id = $1`,
      [allowed.json().uscc],
    );
    const [row] = await t.sql(`DELETE FROM uscc_allowlist WHERE uscc = $1 RETURNING *`, [allowed.json().uscc]);
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [{ table: 'uscc_allowlist', id: allowed.json().uscc, seq, found: 'missing' }],
    });
    await t.sql(`INSERT INTO uscc_allowlist SELECT * FROM json_populate_record(NULL::uscc_allowlist, $1::json)`, [
      JSON.stringify(row),
    ]);
    await t.sql(`UPDATE uscc_allowlist SET reason = '改过的理由' WHERE uscc = $1`, [allowed.json().uscc]);
    expect((await verified()).differingRows).toEqual([
      { table: 'uscc_allowlist', id: allowed.json().uscc, seq, found: 'changed' },
    ]);
    await t.sql(`UPDATE uscc_allowlist SET reason = $2 WHERE uscc = $1`, [allowed.json().uscc, row.reason]);
    expect(await verified()).toEqual({ valid: true });
  });

  it("lists a calendar day or a report key changed behind the application's back", async () => {
    const day = await t.request({
      method: 'PUT',
      url: '/api/v1/calendar/days/2027-02-06',
      token: admin,
      body: { working: true, name: '春节调休上班' },
    });
    expect(day.statusCode).toBe(200);
    const rotated = await t.request({ method: 'POST', url: '/api/v1/report-keys/rotate', token: admin });
    expect(rotated.statusCode).toBe(201);
    expect(await verified()).toEqual({ valid: true });
    const seqOf = async (type: string, id: string) =>
      (
        await t.sql<{ seq: number }>(
          `SELECT max(seq)::int AS seq FROM audit_events WHERE entity_type = $1 AND entity_id = $2`,
          [type, id],
        )
      )[0].seq;
    const kid = rotated.json().kid as string;
    const [{ x }] = await t.sql<{ x: string }>(`SELECT public_jwk->>'x' AS x FROM report_signing_keys WHERE kid = $1`, [
      kid,
    ]);

    await t.sql(`UPDATE calendar_days SET name = '普通周六' WHERE day = '2027-02-06'`);
    await t.sql(
      `UPDATE report_signing_keys SET public_jwk = jsonb_set(public_jwk, '{x}', '"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"') WHERE kid = $1`,
      [kid],
    );
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [
        { table: 'calendar_days', id: '2027-02-06', seq: await seqOf('calendar_day', '2027-02-06'), found: 'changed' },
        { table: 'report_signing_keys', id: kid, seq: await seqOf('report-key', kid), found: 'changed' },
      ],
    });
    await t.sql(`UPDATE calendar_days SET name = '春节调休上班' WHERE day = '2027-02-06'`);
    await t.sql(
      `UPDATE report_signing_keys SET public_jwk = jsonb_set(public_jwk, '{x}', to_jsonb($2::text)) WHERE kid = $1`,
      [kid, x],
    );
    // Removed through the API, the day has no row and no after: nothing differs.
    expect(
      (await t.request({ method: 'DELETE', url: '/api/v1/calendar/days/2027-02-06', token: admin })).statusCode,
    ).toBe(204);
    expect(await verified()).toEqual({ valid: true });
  });

  it("lists a department changed behind the application's back, after its create, update and merge", async () => {
    for (const code of ['AUDITA', 'AUDITB']) {
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/departments',
        token: admin,
        body: { code, nameZh: `审计测试局${code}`, nameEn: `Audit test ${code}`, kind: 'regulator' },
      });
      expect(created.statusCode).toBe(201);
    }
    const renamed = await t.request({
      method: 'PATCH',
      url: '/api/v1/departments/AUDITB',
      token: admin,
      body: { nameZh: '审计测试局（合并后）' },
    });
    expect(renamed.statusCode).toBe(200);
    const merged = await t.request({
      method: 'POST',
      url: '/api/v1/departments/AUDITA/merge-into',
      token: admin,
      body: { successorCode: 'AUDITB' },
    });
    expect(merged.statusCode).toBe(200);
    expect(await verified()).toEqual({ valid: true });

    await t.sql(`UPDATE departments SET successor_code = NULL, merged_at = NULL WHERE code = 'AUDITA'`);
    const [{ seq }] = await t.sql<{ seq: number }>(
      `SELECT max(seq)::int AS seq FROM audit_events WHERE entity_type = 'department' AND entity_id = 'AUDITA'`,
    );
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [{ table: 'departments', id: 'AUDITA', seq, found: 'changed' }],
    });
    await t.sql(`UPDATE departments SET successor_code = 'AUDITB', merged_at = $1 WHERE code = 'AUDITA'`, [
      merged.json().department.mergedAt,
    ]);
    expect(await verified()).toEqual({ valid: true });
  });

  it("lists an API key given more scopes behind the application's back", async () => {
    const { keyId } = await createKey(t, admin, ['status:read']);
    expect(await verified()).toEqual({ valid: true });
    await t.sql(`UPDATE api_keys SET scopes = array_append(scopes, 'batch:read') WHERE id = $1`, [keyId]);
    const [{ seq }] = await t.sql<{ seq: number }>(
      `SELECT max(seq)::int AS seq FROM audit_events WHERE entity_type = 'api-key' AND entity_id = $1`,
      [keyId],
    );
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [{ table: 'api_keys', id: keyId, seq, found: 'changed' }],
    });
    await t.sql(`UPDATE api_keys SET scopes = array_remove(scopes, 'batch:read') WHERE id = $1`, [keyId]);
    expect(await verified()).toEqual({ valid: true });
  });

  it("lists rows inserted behind the application's back, which no entry describes", async () => {
    expect(await verified()).toEqual({ valid: true }); // the migration's seeds, the first report key: all audited
    const [{ id: enterpriseId }] = await t.sql<{ id: string }>(`SELECT id::text FROM enterprises LIMIT 1`);
    const [{ id: record }] = await t.sql<{ id: string }>(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, disclosed, department_code)
       VALUES ($1, 'administrative_penalty', 'serious', '2025-01-02', '温市监罚〔2025〕9999号', '伪造的处罚', true, 'AMR')
       RETURNING id::text`,
      [enterpriseId],
    );
    const [{ kid }] = await t.sql<{ kid: string }>(
      `INSERT INTO report_signing_keys (kid, public_jwk, created_at, retired_at)
       VALUES ('attacker-kid', '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}', now(), now())
       RETURNING kid`,
    );
    const [{ id: keyId }] = await t.sql<{ id: string }>(
      `INSERT INTO api_keys (institution_id, prefix, key_hash, scopes)
       SELECT institution_id, 'qc_forged', repeat('0', 64), ARRAY['feed:read'] FROM api_keys LIMIT 1 RETURNING id::text`,
    );
    await t.sql(
      `INSERT INTO departments (code, name_zh, name_en, kind) VALUES ('FAKE', '伪造局', 'Fake', 'regulator')`,
    );
    await t.sql(`INSERT INTO uscc_allowlist (uscc, reason) VALUES ('91330100000000000X', '伪造的例外理由')`);
    await t.sql(`INSERT INTO calendar_days (day, working, name) VALUES ('2027-03-01', false, '伪造的假日')`);
    const unaudited = (table: string, id: string) => ({ table, id, found: 'unaudited' });
    expect(await verified()).toEqual({
      valid: false,
      differingRows: [
        unaudited('credit_records', record),
        unaudited('uscc_allowlist', '91330100000000000X'),
        unaudited('calendar_days', '2027-03-01'),
        unaudited('report_signing_keys', kid),
        unaudited('departments', 'FAKE'),
        unaudited('api_keys', keyId),
      ],
    });
    const jwks = (await t.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(kid); // served, but now found out

    // Claiming them as adopted at the upgrade changes the adopted list's digest.
    await t.sql(`INSERT INTO audit_adopted (table_name, key) VALUES ('departments', 'FAKE')`);
    expect((await verified()).differingRows).toEqual(
      expect.arrayContaining([
        { table: 'audit_adopted', id: 'departments', seq: expect.any(Number), found: 'changed' },
        unaudited('departments', 'FAKE'),
      ]),
    );

    await t.sql(`ALTER TABLE credit_records DISABLE TRIGGER USER; ALTER TABLE audit_adopted DISABLE TRIGGER USER;
      DELETE FROM credit_records WHERE id = ${record}; DELETE FROM audit_adopted WHERE key = 'FAKE';
      ALTER TABLE credit_records ENABLE TRIGGER USER; ALTER TABLE audit_adopted ENABLE TRIGGER USER;
      DELETE FROM report_signing_keys WHERE kid = 'attacker-kid'; DELETE FROM api_keys WHERE id = '${keyId}';
      DELETE FROM departments WHERE code = 'FAKE'; DELETE FROM uscc_allowlist WHERE uscc = '91330100000000000X';
      DELETE FROM calendar_days WHERE day = '2027-03-01'`);
    expect(await verified()).toEqual({ valid: true });
  });

  it("compares a row with its newest entry when the entries' seq cross a power of ten (99, then 100)", async () => {
    const [{ max }] = await t.sql<{ max: number }>(`SELECT max(seq)::int AS max FROM audit_events`);
    // The next two entries are 10^k − 1 and 10^k: as text, "99" sorts after "100".
    await t.sql(`SELECT setval('audit_events_seq', $1)`, [10 ** String(max + 2).length - 2]);
    for (const name of ['调休上班', '调休上班（改）']) {
      const res = await t.request({
        method: 'PUT',
        url: '/api/v1/calendar/days/2027-04-10',
        token: admin,
        body: { working: true, name },
      });
      expect(res.statusCode).toBe(200);
    }
    expect(await verified()).toEqual({ valid: true });
    expect(
      (await t.request({ method: 'DELETE', url: '/api/v1/calendar/days/2027-04-10', token: admin })).statusCode,
    ).toBe(204);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit rows', async () => {
    await expect(t.sql(`UPDATE audit_events SET actor_name = 'mallory' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`DELETE FROM audit_events WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(t.sql(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
  });

  it('finds a row edited by a superuser who disabled the trigger, by its position', async () => {
    const [{ seq }] = await t.sql<{ seq: string }>(`SELECT seq FROM audit_events WHERE action = 'enterprise.update'`);
    const { length } = await verify();
    await t.sql(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    await t.sql(`UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = $1`, [seq]);
    await t.sql(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    expect(await verify()).toEqual({ valid: false, length, firstBrokenAt: Number(seq) });

    const printed: string[] = [];
    expect(await auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line))).toBe(1);
    expect(JSON.parse(printed[0])).toEqual({ valid: false, length, firstBrokenAt: Number(seq) });
  });

  it('finds a rewritten row even when its own hash was recomputed, at the row after it', async () => {
    const [{ seq }] = await t.sql<{ seq: string }>(
      `SELECT min(seq) AS seq FROM audit_events WHERE action = 'test.write'`,
    );
    await t.sql(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    await t.sql(
      `UPDATE audit_events e SET entity_id = 'forged',
         hash = encode(sha256(convert_to(e.prev_hash || audit_canonical(ROW(e.seq, e.occurred_at, e.actor_type, e.actor_id, e.actor_name, e.action, e.entity_type, 'forged', e.before_digest, e.after_digest, e.request_id, e.prev_hash, e.hash)::audit_events), 'UTF8')), 'hex')
       WHERE seq = $1`,
      [seq],
    );
    await t.sql(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    const [{ next }] = await t.sql<{ next: string }>(`SELECT min(seq) AS next FROM audit_events WHERE seq > $1`, [seq]);
    const result = await verify();
    expect(result.valid).toBe(false);
    // The earlier edit is still the first break; the forged row's successor breaks too.
    const broken = await t.sql<{ seq: string }>(
      `SELECT seq FROM (SELECT seq, prev_hash <> lag(hash) OVER (ORDER BY seq) AS broken FROM audit_events) c WHERE broken`,
    );
    expect(broken.map((r) => Number(r.seq))).toContain(Number(next));
  });
});

describe('audit verify on an intact chain', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start(__filename);
  });
  afterAll(() => t.close());

  it('exits 0 and prints valid', async () => {
    const printed: string[] = [];
    expect(await auditVerify({ DATABASE_URL: t.config.DATABASE_URL }, (line) => printed.push(line))).toBe(0);
    // The migration's adoption of the seeded departments and calendar, the bootstrap administrator's
    // creation, the first report key's.
    expect(JSON.parse(printed[0])).toEqual({ valid: true, length: 4 });
  });
});

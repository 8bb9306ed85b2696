import {
  base64url,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  KeyLike,
} from 'jose';
import { ReportKeysService } from '../../../src/disclosure/reports/report-keys.service';
import { BlacklistWorld, PROPOSAL } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { CODES } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const OBJECTION = '法定代表人张三声明：三次抽查中有一次样品并非本企业生产';
const REPORT = (uscc: string) => `/api/v1/public/enterprises/${uscc}/report`;

const decodePayload = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8'));
/** The same report with its payload replaced (the signature is left as it was). */
const withPayload = (jws: string, payload: unknown) => {
  const [header, , signature] = jws.split('.');
  return [header, base64url.encode(JSON.stringify(payload)), signature].join('.');
};

/** Signed credit reports: issue, verify (API and independently), tamper, rotate, keys at rest, replicas. */
describe('public: signed credit reports', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  let entryId: string;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in Beijing
  const uscc = CODES.wenzhouLike;

  const issue = async (app: TestApp = t, code = uscc) => {
    const res = await app.request({ method: 'GET', url: REPORT(code) });
    expect(res.statusCode).toBe(200);
    return res.json() as { report: string; reportNo: string; issuedAt: string; kid: string };
  };
  const verify = async (report: unknown) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body: { report } });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const jwks = async () => {
    const res = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    return res;
  };

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [uscc, CODES.shenzhen]);
    const record = (type: string, documentNo: string, disclosed: boolean) =>
      w.expect(201, 'proposer', `/enterprises/${uscc}/records`, {
        type,
        occurredOn: '2026-02-01',
        documentNo,
        summary: '监督抽查',
        disclosed,
      });
    await record('spot_check_pass', 'CC-2026-1', true);
    await record('spot_check_fail', 'CC-2026-2', true);
    await record('administrative_penalty', 'CF-2026-3', false);

    entryId = await w.propose(uscc);
    await w.expect(200, 'proposer', `/blacklist/${entryId}/notice`);
    const objection = await w.expect(201, `enterprise:${uscc}`, `/blacklist/${entryId}/objections`, {
      statement: OBJECTION,
    });
    await w.expect(200, 'reviewer', `/blacklist/${entryId}/objections/${objection.id}/decision`, {
      outcome: 'dismissed',
      note: '经核实，样品确为该企业生产',
    });
    clock.set('2026-03-17T01:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${entryId}/decision`, { outcome: 'approved', note: '申辩不成立' });
    await w.expect(200, 'regulator', `/blacklist/${entryId}/publish`);
    await w.grade(uscc, 'D');
    clock.set('2026-03-18T02:00:00Z');
  });
  afterAll(() => t.close());

  it('two replicas starting on a database without a key end with one key, which both sign with', async () => {
    await t.sql(`DELETE FROM report_signing_keys`);
    const replicas = await Promise.all([t.replica(), t.replica()]);
    try {
      const keys = await t.sql<{ kid: string }>(`SELECT kid FROM report_signing_keys`);
      expect(keys).toHaveLength(1);
      const kids = await Promise.all(replicas.map(async (r) => (await issue(r)).kid));
      expect(kids).toEqual([keys[0].kid, keys[0].kid]);
      expect((await issue()).kid).toBe(keys[0].kid); // the first app follows the table
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it("issues a report over the enterprise's public record, verified by the API and by jose with the JWKS", async () => {
    const issued = await issue();
    expect(issued).toEqual({
      report: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      reportNo: expect.stringMatching(/^QCR-2026-\d{6}$/),
      issuedAt: '2026-03-18T02:00:00.000Z',
      kid: expect.any(String),
    });
    expect(decodeProtectedHeader(issued.report)).toEqual({ alg: 'EdDSA', kid: issued.kid, typ: 'credit-report+json' });
    const payload = decodePayload(issued.report);
    expect(payload).toEqual({
      reportNo: issued.reportNo,
      issuedAt: '2026-03-18T02:00:00.000Z',
      issuer: { id: 'quality-credit-registry', name: '温州市企业质量信用信息平台' },
      enterprise: { uscc, name: '温州市鹿城阀门有限公司', districtCode: '330302' },
      classification: { grade: 'D', ruleSetVersion: 1 },
      blacklist: [
        {
          id: entryId,
          reasonCode: PROPOSAL.reasonCode,
          publishedAt: '2026-03-17T01:00:00.000Z',
          expiresAt: '2029-03-17T16:00:00.000Z',
        },
      ],
      disclosedRecords: { total: 2, byType: { spot_check_fail: 1, spot_check_pass: 1 } },
    });

    // Report numbers are unique and registered with the digest of what was signed.
    const second = await issue();
    expect(second.reportNo).not.toBe(issued.reportNo);
    const [logged] = await t.sql(
      `SELECT uscc, kid, issued_at, payload_sha256 FROM issued_reports WHERE report_no = $1`,
      [issued.reportNo],
    );
    expect(logged).toMatchObject({ uscc, kid: issued.kid, payload_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    expect(await verify(issued.report)).toEqual({
      valid: true,
      kid: issued.kid,
      reportNo: issued.reportNo,
      issuedAt: issued.issuedAt,
      payload,
    });

    const res = await jwks();
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const set = res.json();
    expect(set.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: issued.kid, alg: 'EdDSA', use: 'sig' },
    ]);
    const checked = await compactVerify(issued.report, createLocalJWKSet(set), { algorithms: ['EdDSA'] });
    expect(JSON.parse(new TextDecoder().decode(checked.payload))).toEqual(payload);
  });

  it('gives the bare JWS for Accept: application/jose, lists no unpublished entry, 404 for an unknown enterprise', async () => {
    const res = await t.request({ method: 'GET', url: REPORT(uscc), headers: { accept: 'application/jose' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/jose/);
    expect((await verify(res.body)).valid).toBe(true);

    // A proposal under notice is not public: the report of its enterprise lists no entry.
    const noticed = await w.propose(CODES.shenzhen);
    await w.expect(200, 'proposer', `/blacklist/${noticed}/notice`);
    expect(decodePayload((await issue(t, CODES.shenzhen)).report)).toMatchObject({
      enterprise: { uscc: CODES.shenzhen },
      blacklist: [],
      disclosedRecords: { total: 0, byType: {} },
    });

    const unknown = await t.request({ method: 'GET', url: REPORT(CODES.beijing) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('fails a tampered report, a foreign key and garbage; refuses a missing or oversized field', async () => {
    const { report } = await issue();
    const payload = decodePayload(report);
    const upgraded = { ...payload, classification: { grade: 'A', ruleSetVersion: 1 }, blacklist: [] };
    expect(await verify(withPayload(report, upgraded))).toEqual({ valid: false, reason: 'bad-signature' });
    const [h, p, s] = report.split('.');
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] ^= 1;
    expect(await verify([h, p, flipped.toString('base64url')].join('.'))).toEqual({
      valid: false,
      reason: 'bad-signature',
    });

    const { privateKey } = await generateKeyPair<KeyLike>('EdDSA', { crv: 'Ed25519' });
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(upgraded)))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'not-one-of-ours', typ: 'credit-report+json' })
      .sign(privateKey);
    expect(await verify(forged)).toEqual({ valid: false, reason: 'unknown-key', kid: 'not-one-of-ours' });
    expect(await verify('not a report')).toEqual({ valid: false, reason: 'malformed' });

    for (const body of [{}, { report: '' }, { report: 42 }, { report: 'x'.repeat(100_001) }, { report, extra: 1 }]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('keeps the private key sealed at rest', async () => {
    const key = await t.app.get(ReportKeysService).current();
    const { d } = await exportJWK(key.privateKey);
    expect(d).toMatch(/^[\w-]{43}$/);
    const [row] = await t.sql<{ sealed: Buffer; public_jwk: Record<string, string> }>(
      `SELECT private_key_encrypted AS sealed, public_jwk FROM report_signing_keys WHERE kid = $1`,
      [key.kid],
    );
    expect(row.public_jwk.d).toBeUndefined();
    for (const plain of [Buffer.from(d!), Buffer.from(d!, 'base64url'), Buffer.from('"kty"')]) {
      expect(row.sealed.includes(plain)).toBe(false);
    }
  });

  it('rotates the key: old reports still verify, new ones carry the new kid, the JWKS lists both', async () => {
    const before = await issue();
    const regulator = await w.call('regulator', 'POST', '/report-keys/rotate');
    expect(regulator.statusCode).toBe(403);

    const rotated = await w.call('admin', 'POST', '/report-keys/rotate');
    expect(rotated.statusCode).toBe(201);
    expect(rotated.json()).toEqual({ kid: expect.any(String), createdAt: expect.any(String), retiredKid: before.kid });
    const { kid } = rotated.json();
    expect(kid).not.toBe(before.kid);
    const [audited] = await t.sql(`SELECT actor_name, entity_id FROM audit_events WHERE action = 'report-key.rotate'`);
    expect(audited).toEqual({ actor_name: 'admin', entity_id: kid });

    const after = await issue();
    expect(after.kid).toBe(kid);
    expect(decodeProtectedHeader(after.report).kid).toBe(kid);
    expect(await verify(before.report)).toMatchObject({ valid: true, kid: before.kid });
    expect(await verify(after.report)).toMatchObject({ valid: true, kid });

    const set = (await jwks()).json();
    expect(set.keys.map((k: { kid: string }) => k.kid)).toEqual([kid, before.kid]);
    for (const report of [before.report, after.report]) {
      await expect(compactVerify(report, createLocalJWKSet(set))).resolves.toBeDefined();
    }
  });

  it('says nothing personal: no legal representative, address, proposer, facts or objection', async () => {
    const { report } = await issue();
    const text = JSON.stringify(decodePayload(report)) + Buffer.from(report.split('.')[0], 'base64url').toString();
    for (const secret of [
      '张三',
      '张*',
      '工业路',
      'amr.proposer',
      'amr.reviewer',
      PROPOSAL.facts,
      PROPOSAL.legalBasis,
      OBJECTION,
      '经核实',
      'CF-2026-3',
      'administrative_penalty',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('signs with REPORT_SIGNING_KEY when given, refuses to rotate it, and fails a number it never issued', async () => {
    const { privateKey } = await generateKeyPair<KeyLike>('EdDSA', { crv: 'Ed25519', extractable: true });
    const pem = await exportPKCS8(privateKey);
    const replica = await t.replica({ clock }, { REPORT_SIGNING_KEY: pem });
    try {
      const issued = await issue(replica);
      expect(await verify(issued.report)).toMatchObject({ valid: true, kid: issued.kid });
      const [row] = await t.sql(`SELECT private_key_encrypted, retired_at FROM report_signing_keys WHERE kid = $1`, [
        issued.kid,
      ]);
      expect(row).toEqual({ private_key_encrypted: null, retired_at: null });
      expect((await jwks()).json().keys).toHaveLength(3);

      const token = await t.loginAdmin();
      const rotate = await replica.request({ method: 'POST', url: '/api/v1/report-keys/rotate', token });
      expect(rotate.statusCode).toBe(409);

      // Our key, but a report number we never issued (or issued with other content).
      const payload = { ...decodePayload(issued.report), reportNo: 'QCR-2026-999999' };
      const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: 'EdDSA', kid: issued.kid, typ: 'credit-report+json' })
        .sign(privateKey);
      expect(await verify(forged)).toEqual({ valid: false, reason: 'not-issued', kid: issued.kid });
    } finally {
      await replica.close();
    }
  });
});

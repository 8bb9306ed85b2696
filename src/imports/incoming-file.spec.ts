import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeUscc } from '../common/uscc';
import { normalDate, yesNo } from './csv';
import { csvTemplate, rejectedRowsCsv, templateHeaders, xlsxTemplate } from './import-files';
import { RECORDS, ENTERPRISES } from './import-kinds';
import { importErrorText, importMessageZh } from './import-messages';
import { zipBombXlsx } from '../../test/helpers/zip-bomb';
import { cellText, encodingOf, prepareUpload, sniff, uploadedRows, Utf8Watch, XLSX_LIMITS } from './incoming-file';
import { headerColumns, ImportFailure } from './row-checker';

const context = { today: '2026-12-06', allowedCodes: new Set<string>() };
const USCC = makeUscc('330302', 42);

/** Feeds the bytes to a Utf8Watch in chunks of `size`, cutting characters in two. */
function watch(bytes: Buffer, size: number): boolean {
  const w = new Utf8Watch();
  for (let i = 0; i < bytes.length; i += size) w.feed(bytes.subarray(i, i + size));
  return w.valid();
}

describe('incoming import files', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'qc-incoming-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes valid UTF-8 as UTF-8 and anything else as GB18030, however the bytes arrive', () => {
    const text = '统一社会信用代码,摘要\n913303,监督抽查不合格\n';
    expect(watch(Buffer.from(text, 'utf8'), 1)).toBe(true);
    expect(watch(Buffer.from(`\uFEFF${text}`, 'utf8'), 7)).toBe(true);
    expect(watch(iconv.encode(text, 'gbk'), 3)).toBe(false);
    expect(watch(iconv.encode(text, 'gb18030'), 64)).toBe(false);
    expect(watch(Buffer.from('uscc,type\n', 'ascii'), 2)).toBe(true);
    expect(watch(Buffer.from('摘', 'utf8').subarray(0, 2), 1)).toBe(false); // cut off at the end
    expect(encodingOf(true)).toBe('utf8');
    expect(encodingOf(false)).toBe('gb18030');
    expect(encodingOf(false, Buffer.from('\uFEFFuscc', 'utf8'))).toBe('utf8'); // declared UTF-8: a bad byte is a bad row
  });

  it('tells an xlsx, an old xls, UTF-16 and other binaries from text', () => {
    expect(sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]))).toBe('xlsx');
    expect(sniff(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).toBe('xls');
    expect(sniff(Buffer.from([0xff, 0xfe, 0x31, 0]))).toBe('utf16');
    expect(sniff(Buffer.from('%PDF-1.7'))).toBe('binary');
    expect(sniff(Buffer.from('uscc,type'))).toBe('text');
  });

  it('maps Chinese or English headers to the columns, and names what is wrong in both languages', () => {
    const columns = headerColumns(RECORDS, ['统一社会信用代码', 'type', ' 发生日期 ', '文号', '摘要', '是否公开']);
    expect([...columns]).toEqual([
      ['uscc', 0],
      ['type', 1],
      ['occurredOn', 2],
      ['documentNo', 3],
      ['summary', 4],
      ['disclosed', 5],
    ]);
    expect([...headerColumns(ENTERPRISES, ['统一社会信用代码', '企业名称', '区县代码', '成立日期']).keys()]).toEqual([
      'uscc',
      'name',
      'districtCode',
      'registeredOn',
    ]);
    let thrown: ImportFailure | undefined;
    try {
      headerColumns(RECORDS, ['统一社会信用代码', '类别', 'documentNo', '摘要']);
    } catch (error) {
      thrown = error as ImportFailure;
    }
    expect(thrown).toBeInstanceOf(ImportFailure);
    expect(thrown!.message).toContain('unknown columns: 类别');
    expect(thrown!.message).toContain('missing columns: type, occurredOn');
    expect(thrown!.zh).toContain('缺少必填的列：记录类别、发生日期');
    expect(() =>
      headerColumns(RECORDS, ['uscc', '统一社会信用代码', 'type', 'occurredOn', 'documentNo', 'summary']),
    ).toThrow('repeated columns: uscc');
  });

  it('reads dates as YYYY-MM-DD, YYYY/M/D and 年月日, and 是/否 as well as true/false', () => {
    expect(normalDate('2024-03-05')).toBe('2024-03-05');
    expect(normalDate('2024/3/5')).toBe('2024-03-05');
    expect(normalDate('2024.12.31')).toBe('2024-12-31');
    expect(normalDate('2024年3月5日')).toBe('2024-03-05');
    expect(normalDate('5/3/2024')).toBeNull();
    expect(normalDate('2024-3')).toBeNull();
    expect([yesNo('是'), yesNo('否'), yesNo('TRUE'), yesNo('false'), yesNo('公开')]).toEqual([
      true,
      false,
      true,
      false,
      null,
    ]);
    // A real Excel date: its UTC fields are the date as typed, even late in the evening.
    expect(cellText(new Date(Date.UTC(2024, 2, 5, 23, 30)))).toBe('2024-03-05');
    expect(cellText(330302)).toBe('330302');
    expect(cellText({ richText: [{ text: '监督' }, { text: '抽查' }] })).toBe('监督抽查');
    expect(cellText({ formula: 'A1', result: '是' } as ExcelJS.CellFormulaValue)).toBe('是');
  });

  it('accepts Chinese labels for the type and severity, and checks a slashed date like any other', () => {
    const row = {
      uscc: USCC,
      type: '监督抽查不合格',
      occurredOn: '2024/3/5',
      documentNo: 'D-1',
      summary: '抽查',
      severity: '一般',
      hotline: '',
      disclosed: '否',
    };
    expect(RECORDS.parse(row, context)).toEqual({
      values: [USCC, 'spot_check_fail', '2024-03-05', 'D-1', '抽查', 'general', null, 'false'],
    });
    expect(RECORDS.parse({ ...row, type: '抽查', occurredOn: '2024/2/30' }, context)).toEqual({
      errors: [
        { field: 'type', message: expect.stringContaining('must be one of') },
        { field: 'occurredOn', message: 'must be a date YYYY-MM-DD' },
      ],
    });
  });

  it('gives each error message in Chinese with its column', () => {
    expect(importErrorText('records', { field: 'occurredOn', message: 'must not be in the future' }, 'zh')).toBe(
      '发生日期：不能晚于今天',
    );
    expect(importMessageZh('must be one of minor, general, serious, critical')).toBe(
      '应为以下之一：轻微、一般、严重、特别严重（或其英文代码）',
    );
    expect(importMessageZh('must be one of 12315, 12365')).toBe('应为以下之一：12315、12365');
    expect(importMessageZh('enterprise 913303 is not registered')).toBe('企业 913303 未登记');
    expect(importMessageZh('repeats document number A-1 of line 2')).toBe('文号 A-1 与第 2 行重复');
    expect(importMessageZh('must be 18 characters long, not 3')).toBe('应为 18 位，实为 3 位');
    expect(importErrorText('records', { field: null, message: 'has 3 fields; the header has 5' }, 'zh')).toBe(
      '该行有 3 列，表头有 5 列',
    );
    expect(importErrorText('records', { field: 'uscc', message: 'is required' }, 'en')).toBe('uscc: is required');
  });

  it('makes a GBK CSV and an xlsx into the UTF-8 CSV the worker reads', async () => {
    const gbk = join(dir, 'gbk.upload');
    await writeFile(
      gbk,
      iconv.encode(`统一社会信用代码,记录类别,发生日期,文号,摘要\n${USCC},认证,2024/1/2,A-1,认证通过\n`, 'gbk'),
    );
    await prepareUpload(gbk, join(dir, 'gbk.csv'), RECORDS, false);
    expect(await readFile(join(dir, 'gbk.csv'), 'utf8')).toContain('认证,2024/1/2,A-1,认证通过');

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('记录');
    sheet.addRow(['统一社会信用代码', '记录类别', '发生日期', '文号', '摘要']);
    sheet.addRow([USCC, '行政处罚', new Date(Date.UTC(2024, 0, 9)), 'B-1', '罚款, "五千元"']);
    sheet.addRow([]);
    sheet.addRow([USCC, 'quality_award', '2024/2/1', 'B-2']);
    const xlsx = join(dir, 'book.upload');
    await workbook.xlsx.writeFile(xlsx);
    await prepareUpload(xlsx, join(dir, 'book.csv'), RECORDS, false);
    expect((await readFile(join(dir, 'book.csv'), 'utf8')).split('\n')).toEqual([
      '统一社会信用代码,记录类别,发生日期,文号,摘要',
      `${USCC},行政处罚,2024-01-09,B-1,"罚款, ""五千元"""`,
      `${USCC},quality_award,2024/2/1,B-2,`,
      '',
    ]);
  });

  it('refuses a file that is no table, a broken xlsx and a wrong header, in both languages', async () => {
    const cases: [string, Buffer, string][] = [
      ['pdf', Buffer.from('%PDF-1.4 binary'), '既不是 CSV 也不是 xlsx'],
      ['broken', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(50, 7)]), '无法读取该 xlsx 文件'],
      ['header', Buffer.from('a,b,c\n1,2,3\n'), '缺少必填的列'],
      ['empty', Buffer.alloc(0), '文件是空的'],
    ];
    for (const [name, bytes, zh] of cases) {
      const raw = join(dir, `${name}.upload`);
      await writeFile(raw, bytes);
      await expect(prepareUpload(raw, join(dir, `${name}.csv`), RECORDS, true)).rejects.toMatchObject({
        zh: expect.stringContaining(zh),
      });
    }
  });

  it('stops an xlsx that is wider, longer-celled or wrongly headed than an import, without reading it all', async () => {
    const header = ['统一社会信用代码', '记录类别', '发生日期', '文号', '摘要'];
    const book = async (name: string, rows: ExcelJS.CellValue[][], far?: [number, number]) => {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('记录');
      for (const row of rows) sheet.addRow(row);
      if (far) sheet.getRow(far[0]).getCell(far[1]).value = 'x';
      const path = join(dir, `${name}.upload`);
      await workbook.xlsx.writeFile(path);
      return path;
    };
    const row = [USCC, '认证', '2024-01-02', 'C-1', '认证通过'];
    // A cell at column XFD (16 384) in every one of 2 000 rows once took seconds and wrote 30 MB.
    const wide = await book('wide', [header, row], [2, 16_384]);
    const long = await book('long', [header, [...row.slice(0, 4), '长'.repeat(10_001)]]);
    const wrongHeader = await book('wrong', [['a', 'b'], ...Array.from({ length: 5_000 }, () => row)]);
    const started = performance.now();
    for (const [path, zh] of [
      [wide, '第 2 行在第 64 列之后还有内容'],
      [long, '第 2 行有单元格超过 10000 个字'],
      [wrongHeader, '不认识的列：a、b'],
    ]) {
      await expect(prepareUpload(path, `${path}.csv`, RECORDS, false)).rejects.toMatchObject({
        zh: expect.stringContaining(zh),
      });
    }
    expect(performance.now() - started).toBeLessThan(5_000);
    // A workbook that unpacks past the limit is refused from the zip's directory, before any row.
    const limit = XLSX_LIMITS.unzippedBytes;
    XLSX_LIMITS.unzippedBytes = 1_000;
    try {
      await expect(prepareUpload(long, `${long}.csv`, RECORDS, false)).rejects.toMatchObject({
        zh: expect.stringContaining('解压后过大'),
      });
    } finally {
      XLSX_LIMITS.unzippedBytes = limit;
    }
  });

  it('counts what an xlsx really unpacks to: a part whose headers claim a kilobyte is stopped at the limit', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('代码').addRow(['统一社会信用代码']);
    const real = Buffer.from(await workbook.xlsx.writeBuffer());
    const limits = { ...XLSX_LIMITS, unzippedBytes: 8 * 1024 ** 2 };
    // 64 MiB behind a directory (and local header) saying 1 000 bytes.
    const path = join(dir, 'lying.upload');
    await writeFile(path, await zipBombXlsx(real, 4 * 16 * 1024 * 1024, 1_000));
    const started = performance.now();
    const read = async () => {
      for await (const row of uploadedRows(path, false, 1, limits)) void row;
    };
    await expect(read()).rejects.toMatchObject({ zh: expect.stringContaining('解压后过大') });
    // Stopped at the limit, not after inflating it all.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('writes templates with Chinese headers and the rejected rows with their reasons', async () => {
    const csv = csvTemplate('records').toString('utf8');
    expect(csv.startsWith('\uFEFF统一社会信用代码,记录类别,发生日期,文号,摘要,严重程度,投诉热线,是否公开\r\n')).toBe(
      true,
    );
    const [, example] = csv.split('\r\n');
    expect(
      RECORDS.parse(Object.fromEntries(RECORDS.columns.map((c, i) => [c, example.split(',')[i]])), context),
    ).toHaveProperty('values');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await xlsxTemplate('enterprises')) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect((sheet.getRow(1).values as string[]).slice(1)).toEqual(templateHeaders('enterprises'));
    expect(sheet.getRow(2).getCell(7).value).toEqual(new Date(Date.UTC(2015, 5, 1)));

    const stored = join(dir, 'stored.csv');
    await writeFile(
      stored,
      `uscc,type,occurredOn,documentNo,summary\n${USCC},x,2024-01-01,A,ok\n${USCC},certification,2024-01-01,B,good\n1,2\n`,
    );
    const errors = [
      { line: 2, field: 'type', message: 'must be one of a, b' },
      { line: 4, field: null, message: 'has 2 fields; the header has 5' },
    ];
    const chunks: Buffer[] = [];
    for await (const chunk of rejectedRowsCsv(
      'records',
      stored,
      async (after) => errors.filter((e) => e.line > after).slice(0, 1),
      'zh',
    ))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(
      '\uFEFFuscc,type,occurredOn,documentNo,summary,错误原因\r\n' +
        `${USCC},x,2024-01-01,A,ok,记录类别：应为以下之一：a、b\r\n` +
        '1,2,,,,该行有 2 列，表头有 5 列\r\n',
    );
  });
});

import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { csvStream } from '../common/csv';
import { makeUscc } from '../common/uscc';
import { IMPORT_SPECS, ImportKind } from './import-kinds';
import { importErrorText } from './import-messages';
import type { ImportError } from './row-checker';

/** The byte order mark that tells Excel a CSV is UTF-8 (without it, Chinese Excel reads GBK). */
const BOM = '\uFEFF';

/** One example row per kind, in the order of the kind's columns, as an office would fill it in. */
const EXAMPLES: Record<ImportKind, (string | Date)[]> = {
  records: [
    makeUscc('330302', 20240305),
    '监督抽查不合格',
    new Date(Date.UTC(2024, 2, 5)),
    '温市监抽〔2024〕12号',
    '2024 年第一季度阀门产品监督抽查，1 批次密封性能不合格',
    '一般',
    '',
    '是',
  ],
  enterprises: [
    makeUscc('330302', 20150601),
    '温州示例阀门有限公司',
    '330302',
    'C3443',
    '张三',
    '浙江省温州市鹿城区示例路 1 号',
    new Date(Date.UTC(2015, 5, 1)),
  ],
};

const asText = (value: string | Date) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);

/** The template's header row: the Chinese column names. */
export function templateHeaders(kind: ImportKind): string[] {
  const spec = IMPORT_SPECS[kind];
  return spec.columns.map((column) => spec.headers[column]);
}

/** A CSV template (UTF-8 with BOM): the Chinese header and one example row. */
export function csvTemplate(kind: ImportKind): Buffer {
  const line = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
  return Buffer.from(`${BOM}${line(templateHeaders(kind))}\r\n${line(EXAMPLES[kind].map(asText))}\r\n`, 'utf8');
}

/** An xlsx template: the Chinese header (bold, required columns marked in the note row) and one example row with a real date cell. */
export async function xlsxTemplate(kind: ImportKind): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(kind === 'records' ? '信用记录' : '企业');
  sheet.addRow(templateHeaders(kind)).font = { bold: true };
  const example = sheet.addRow(EXAMPLES[kind]);
  example.eachCell((cell) => {
    if (cell.value instanceof Date) cell.numFmt = 'yyyy-mm-dd';
  });
  sheet.columns.forEach((column) => (column.width = 22));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * The rejected rows of an import as CSV (UTF-8 with BOM, for Excel): the file's own columns as
 * the worker read them, then the reason (错误原因) in the person's language. Streams: the stored
 * file is read alongside the errors, by line, page by page, and reading stops after the last
 * error. A line the CSV parser could not read (or a file no longer stored) gives empty cells.
 */
export function rejectedRowsCsv(
  kind: ImportKind,
  file: string,
  errorsAfter: (line: number) => Promise<ImportError[]>,
  lang: 'zh' | 'en',
): Readable {
  const reason = lang === 'zh' ? '错误原因' : 'Error';
  const text = (errors: ImportError[]) =>
    errors.map((e) => importErrorText(kind, e, lang)).join(lang === 'zh' ? '；' : '; ');
  async function* rows(): AsyncGenerator<string[]> {
    let page = await errorsAfter(0);
    let at = 0;
    /** The errors of the next line with errors, or null when there are no more. */
    const next = async (): Promise<ImportError[] | null> => {
      if (at >= page.length) {
        if (!page.length) return null;
        page = await errorsAfter(page[page.length - 1].line);
        at = 0;
        if (!page.length) return null;
      }
      const line = page[at].line;
      const out: ImportError[] = [];
      while (at < page.length && page[at].line === line) out.push(page[at++]);
      return out;
    };
    const stored = await access(file).then(
      () => true,
      () => false,
    );
    let width = IMPORT_SPECS[kind].columns.length;
    let pending = await next();
    if (stored) {
      const parser = createReadStream(file).pipe(
        parse({ bom: true, relax_column_count: true, info: true, skip_records_with_error: true }),
      );
      try {
        let header = true;
        for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          if (header) {
            header = false;
            width = record.length;
            yield [...record, reason];
            continue;
          }
          while (pending && pending[0].line < info.lines) {
            yield [...new Array<string>(width).fill(''), text(pending)]; // a line the parser skipped
            pending = await next();
          }
          if (!pending) break;
          if (pending[0].line === info.lines) {
            const cells = [...record];
            while (cells.length < width) cells.push('');
            yield [...cells, text(pending)];
            pending = await next();
          }
        }
      } finally {
        parser.destroy();
      }
    } else {
      yield [...IMPORT_SPECS[kind].columns.map((c) => IMPORT_SPECS[kind].headers[c]), reason];
    }
    for (; pending; pending = await next()) yield [...new Array<string>(width).fill(''), text(pending)];
  }
  const source = Readable.from(rows());
  const csv = csvStream({ bom: true, record_delimiter: '\r\n' });
  source.once('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}

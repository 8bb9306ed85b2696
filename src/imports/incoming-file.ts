import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImportKindSpec } from './import-kinds';
import { headerColumns, ImportFailure } from './row-checker';
import { Open, Parse } from 'unzipper';

/**
 * What an office uploads, made into what the worker reads: a UTF-8 CSV whose first row is the
 * header (English or Chinese column names, as the file had them). The conversion streams, so a
 * file of a million rows never sits in memory; it runs on upload, so a file that cannot be read at
 * all is refused there and then, leaving no import and no stored file behind.
 */

/**
 * Whether a stream of bytes is valid UTF-8, fed chunk by chunk as the upload is stored (a
 * character may be cut between chunks: the decoder keeps its first bytes for the next).
 */
export class Utf8Watch {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private ok = true;

  feed(chunk: Buffer): void {
    if (!this.ok) return;
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.ok = false;
    }
  }

  /** Whether every byte fed was UTF-8 (a character cut off at the end is not). */
  valid(): boolean {
    if (!this.ok) return false;
    try {
      this.decoder.decode(); // flush: a trailing partial character throws
      return true;
    } catch {
      return false;
    }
  }
}

export type FileFormat = 'xlsx' | 'xls' | 'utf16' | 'binary' | 'text';

/** The format a file's first bytes show: a zip is an xlsx (or nothing we read), an OLE file an old .xls. */
export function sniff(head: Buffer): FileFormat {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'xlsx';
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'xls';
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return 'utf16';
  const magic = [
    [0x25, 0x50, 0x44, 0x46], // %PDF
    [0x89, 0x50, 0x4e, 0x47], // PNG
    [0xff, 0xd8, 0xff], // JPEG
    [0x47, 0x49, 0x46, 0x38], // GIF8
    [0x1f, 0x8b], // gzip
    [0x52, 0x61, 0x72, 0x21], // Rar!
    [0x37, 0x7a, 0xbc, 0xaf], // 7z
    [0x4d, 0x5a], // MZ: a Windows program (.exe, .dll)
    [0x7f, 0x45, 0x4c, 0x46], // ELF: a Linux program
  ];
  return magic.some((bytes) => starts(...bytes)) ? 'binary' : 'text';
}

/** The file's text as the worker reads it: UTF-8 as it is; anything else decoded as GB18030. */
export type TextEncoding = 'utf8' | 'gb18030';

/**
 * Why this rule: a CSV saved by Chinese Excel or WPS is either UTF-8 ("CSV UTF-8", with a BOM) or
 * the system code page, GBK; GB18030 is its superset, so decoding as GB18030 reads GB2312 and GBK
 * files too. Chinese text in GBK is practically never valid UTF-8 (its two-byte pairs do not form
 * UTF-8's lead-and-continuation patterns over a whole file), and an ASCII-only file is the same in
 * both, so "valid UTF-8 → UTF-8, else GB18030" needs no guessing from letter frequencies. A UTF-8
 * BOM declares the file UTF-8 whatever follows: a stray bad byte in one row then makes that row
 * a bad row ("is not valid UTF-8") instead of garbling the whole file as GB18030.
 */
export function encodingOf(validUtf8: boolean, head: Buffer = Buffer.alloc(0)): TextEncoding {
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  return validUtf8 || bom ? 'utf8' : 'gb18030';
}

const failure = (en: string, zh: string) => new ImportFailure(en, zh);

/**
 * Turns the stored upload `raw` into the worker's CSV at `target` (UTF-8; an xlsx's first
 * worksheet), then checks its header against the kind. Throws ImportFailure (English and Chinese)
 * for a file that cannot be read; the caller removes both files.
 */
export async function prepareUpload(raw: string, target: string, spec: ImportKindSpec, validUtf8: boolean) {
  const first = await head(raw);
  const format = sniff(first);
  switch (format) {
    case 'xlsx':
      await xlsxToCsv(raw, target, spec).catch((error: Error) => {
        throw error instanceof ImportFailure ? error : unreadableXlsx(error);
      });
      break;
    case 'xls':
    case 'utf16':
    case 'binary':
      refuse(format);
      break;
    case 'text':
      if (encodingOf(validUtf8, first) === 'utf8') await rename(raw, target);
      else await pipeline(createReadStream(raw), iconv.decodeStream('gb18030'), createWriteStream(target));
  }
  headerColumns(spec, await headerRow(target));
}

const unreadableXlsx = (error: Error) =>
  failure(
    `The .xlsx file could not be read (${error.message}); save it again from Excel as .xlsx or CSV`,
    '无法读取该 xlsx 文件（文件已损坏或不是 Excel 工作簿）。请在 Excel 中打开，另存为 .xlsx 或 CSV 后再上传',
  );

/** The refusal of a file in a format that is read neither as CSV nor as xlsx. */
function refuse(format: 'xls' | 'utf16' | 'binary'): never {
  if (format === 'xls')
    throw failure(
      'Old Excel files (.xls) are not read; save it as .xlsx or CSV',
      '不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再上传',
    );
  if (format === 'utf16')
    throw failure(
      'The file is UTF-16 text ("Unicode text"); save it as CSV (UTF-8 or GBK) or .xlsx',
      '该文件是 UTF-16 编码的“Unicode 文本”，请另存为 CSV（UTF-8 或 GBK）或 .xlsx 后再上传',
    );
  throw notTable();
}

const notTable = () =>
  failure(
    'The file is neither a CSV nor an .xlsx workbook',
    '无法读取该文件：它既不是 CSV 也不是 xlsx 工作簿。请上传 CSV 或 .xlsx 文件（可下载导入模板）',
  );

async function head(path: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(8);
    const { bytesRead } = await file.read(buffer, 0, 8, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** The first record of a UTF-8 CSV, as the worker will parse it. */
async function headerRow(path: string): Promise<string[]> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true, to_line: 1 }));
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
  } catch {
    throw notTable();
  } finally {
    parser.destroy();
  }
  throw failure(
    'The file is empty: expected a header row naming the columns',
    '文件是空的：第一行应为表头，写出各列名称（可下载导入模板）',
  );
}

/**
 * A cell of an xlsx as CSV text. A real Excel date is a day count with no time zone: exceljs gives
 * it as a Date whose UTC fields are the date and time as typed, i.e. as the office in Beijing
 * wrote them, so the UTC date is the Beijing date (converting the instant to UTC+8 would move a
 * late-evening time to the next day).
 */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString().slice(0, 10);
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(0) : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('result' in value) return cellText((value.result ?? null) as ExcelJS.CellValue);
  if ('formula' in value || 'sharedFormula' in value) return '';
  if ('text' in value) return cellText(value.text as ExcelJS.CellValue);
  if ('error' in value) return String(value.error);
  return '';
}

/**
 * A cell of the worker's own CSV, quoted when it must be. Not src/common/csv.ts's csvStream: that
 * one defuses formulas for people's spreadsheets, which would change the data the worker reads.
 */
const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/**
 * What an xlsx may hold. A workbook is a zip: a few kilobytes can unpack to gigabytes, a cell can
 * sit at column XFD, a shared string can be a hundred megabytes. Real imports are a few columns of
 * short cells; a million rows of them unpack to well under these limits.
 */
export const XLSX_LIMITS = {
  /** All the workbook's parts, unpacked. */
  unzippedBytes: 1024 ** 3,
  /** The shared strings, which the reader holds in memory. */
  sharedStringsBytes: 256 * 1024 ** 2,
  /** Columns a row may fill (the widest kind has 8). */
  columns: 64,
  /** Characters in one cell (a summary holds 2 000). */
  cellChars: 10_000,
};

export type XlsxLimits = typeof XLSX_LIMITS;

const tooBigXlsx = () =>
  failure(
    'The .xlsx file unpacks to more than an upload can hold; split it, or save it as CSV',
    '该 xlsx 文件解压后过大，超出上传的上限。请拆分后再上传，或另存为 CSV',
  );

/**
 * Refuses a workbook whose parts unpack past `limits`. The zip's directory is read first (a cheap
 * refusal of what says it is too big), but a directory is what the sender wrote: a part can claim
 * a kilobyte and inflate to gigabytes, or be left out of the directory altogether. So the parts
 * are then inflated once, as exceljs's streaming reader will meet them (unzipper's Parse, local
 * headers in file order), counting the bytes that really come out and stopping at the limit:
 * the reader that follows never sees more than was counted. Inflating costs at most `limits`
 * worth of CPU, never memory (each chunk is dropped once counted).
 */
async function checkUnzippedSize(raw: string, limits: XlsxLimits): Promise<void> {
  const { files } = await Open.file(raw);
  const declared = files.reduce((sum, f) => sum + f.uncompressedSize, 0);
  const declaredStrings = files.find((f) => /sharedStrings\.xml$/i.test(f.path))?.uncompressedSize ?? 0;
  if (declared > limits.unzippedBytes || declaredStrings > limits.sharedStringsBytes) throw tooBigXlsx();
  const zip = createReadStream(raw).pipe(Parse({ forceStream: true }));
  let total = 0;
  try {
    for await (const entry of zip) {
      const strings = /sharedStrings\.xml$/i.test(entry.path);
      let size = 0;
      for await (const chunk of entry) {
        size += chunk.length;
        total += chunk.length;
        if (total > limits.unzippedBytes || (strings && size > limits.sharedStringsBytes)) throw tooBigXlsx();
      }
    }
  } finally {
    zip.destroy();
  }
}

/** A row of an uploaded table: its number in the file (an xlsx's row, a CSV's line) and its cells. */
export interface TableRow {
  number: number;
  cells: string[];
}

/**
 * The rows of an xlsx's first worksheet, streamed (exceljs's streaming reader), blank rows left
 * out and trailing empty cells dropped, after its parts were checked to unpack within `limits`
 * (checkUnzippedSize). A row filling cells past XLSX_LIMITS.columns or a cell longer than
 * XLSX_LIMITS.cellChars stops the reading; `columns` is how many columns the file should have,
 * for the message.
 */
export async function* xlsxRows(raw: string, columns: number, limits = XLSX_LIMITS): AsyncGenerator<TableRow> {
  await checkUnzippedSize(raw, limits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(raw, {
    sharedStrings: 'cache',
    styles: 'cache', // needed to know which numbers are dates
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = (row.values as ExcelJS.CellValue[]).slice(1);
      // `some` skips a sparse row's holes: a lone cell at column XFD costs one look, not 16 384.
      if (values.length > XLSX_LIMITS.columns && values.slice(XLSX_LIMITS.columns).some((v) => cellText(v) !== '')) {
        throw failure(
          `Row ${row.number} fills cells beyond column ${XLSX_LIMITS.columns}; the file has at most ${columns} columns`,
          `第 ${row.number} 行在第 ${XLSX_LIMITS.columns} 列之后还有内容；该文件最多 ${columns} 列`,
        );
      }
      const cells = Array.from({ length: Math.min(values.length, XLSX_LIMITS.columns) }, (_, i) => cellText(values[i]));
      if (cells.some((c) => c.length > XLSX_LIMITS.cellChars)) {
        throw failure(
          `Row ${row.number} has a cell of more than ${XLSX_LIMITS.cellChars} characters`,
          `第 ${row.number} 行有单元格超过 ${XLSX_LIMITS.cellChars} 个字`,
        );
      }
      let end = cells.length;
      while (end > 0 && cells[end - 1].trim() === '') end--;
      if (end > 0) yield { number: row.number, cells: cells.slice(0, end) };
    }
    return; // the first worksheet only
  }
}

/**
 * The first worksheet of an xlsx as CSV (xlsxRows): each row as wide as the header (short rows
 * padded). The header is checked as soon as it is read, before the rest.
 */
async function xlsxToCsv(raw: string, target: string, spec: ImportKindSpec): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    let width = 0;
    for await (const { cells } of xlsxRows(raw, spec.columns.length)) {
      if (!width) {
        width = cells.length;
        headerColumns(spec, cells); // a wrong header stops here, before the rest is read
      }
      while (cells.length < width) cells.push('');
      yield `${cells.map(csvCell).join(',')}\n`;
    }
  }
  await pipeline(Readable.from(lines()), createWriteStream(target));
}

/**
 * The rows of an uploaded table as prepareUpload reads it: an xlsx's first worksheet (xlsxRows),
 * or a CSV in UTF-8 or GBK (encodingOf) with its line numbers; blank rows left out. Refuses, as
 * prepareUpload does, an old .xls, UTF-16 text and any other binary file (a program, a PDF, an
 * image), whatever its name, and a CSV holding NUL characters.
 */
export async function* uploadedRows(
  raw: string,
  validUtf8: boolean,
  columns: number,
  limits = XLSX_LIMITS,
): AsyncGenerator<TableRow> {
  const first = await head(raw);
  const format = sniff(first);
  if (format === 'xlsx') {
    try {
      yield* xlsxRows(raw, columns, limits);
    } catch (error) {
      throw error instanceof ImportFailure ? error : unreadableXlsx(error as Error);
    }
    return;
  }
  if (format !== 'text') refuse(format);
  const bytes = createReadStream(raw);
  const text: Readable =
    encodingOf(validUtf8, first) === 'utf8'
      ? bytes
      : (bytes.pipe(iconv.decodeStream('gb18030')) as unknown as Readable);
  bytes.once('error', (error) => text.destroy(error));
  const parser = text.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true, info: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (record.some((cell) => cell.includes('\0'))) throw notTable();
      if (record.length > XLSX_LIMITS.columns)
        throw failure(
          `Line ${info.lines} has more than ${XLSX_LIMITS.columns} columns; the file has at most ${columns}`,
          `第 ${info.lines} 行超过 ${XLSX_LIMITS.columns} 列；该文件最多 ${columns} 列`,
        );
      let end = record.length;
      while (end > 0 && record[end - 1].trim() === '') end--;
      if (end > 0) yield { number: info.lines, cells: record.slice(0, end) };
    }
  } catch (error) {
    throw error instanceof ImportFailure ? error : notTable();
  } finally {
    parser.destroy();
  }
}

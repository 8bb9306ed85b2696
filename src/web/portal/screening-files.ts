import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { csvStream } from '../../common/csv';
import { importMessageZh } from '../../imports/import-messages';
import type { Screening, ScreeningCounts, ScreeningRow } from '../../sharing/screenings.service';
import { CONSOLE_TEXT } from '../console/console-text';
import { beijingDateTime } from '../../common/clock';
import { Lang } from '../i18n';
import { INSTITUTION_TEXT } from './institution.text';

const COLUMNS = ['row', 'input', 'uscc', 'name', 'outcome', 'grade', 'blacklist', 'entries', 'reason'] as const;

/** The results' header row, in the person's language. */
function headers(lang: Lang): string[] {
  const t = INSTITUTION_TEXT[lang];
  const names: Record<(typeof COLUMNS)[number], string> = {
    row: t.row,
    input: t.input,
    uscc: t.uscc,
    name: t.name,
    outcome: t.outcome,
    grade: t.grade,
    blacklist: t.blacklist,
    entries: t.entries,
    reason: t.reason,
  };
  return COLUMNS.map((c) => names[c]);
}

/** One row of the results as the files write it: numbers as numbers, the rest in the person's words. */
function cells(row: ScreeningRow, lang: Lang): (string | number)[] {
  const t = INSTITUTION_TEXT[lang];
  const c = CONSOLE_TEXT[lang];
  const found = row.outcome === 'found';
  return [
    row.row,
    row.input,
    row.uscc ?? '',
    row.name ?? '',
    t[`outcome_${row.outcome}`],
    found ? (row.grade ? c[`grade_${row.grade}`] : c.noGrade) : '',
    found ? (row.blacklisted ? t.yes : t.no) : '',
    found ? row.entries : '',
    row.reason ? (lang === 'zh' ? importMessageZh(row.reason) : row.reason) : '',
  ];
}

/** The download's name: the uploaded file's, with the result's mark and extension. */
export function resultsFileName(screening: Screening, lang: Lang, extension: 'xlsx' | 'csv'): string {
  const base = screening.fileName.replace(/\.[^.]*$/, '') || 'codes';
  return `${base}-${lang === 'zh' ? '筛查结果' : 'screening'}.${extension}`;
}

/** The results as a workbook: the rows on the first sheet (header bold and frozen), the screening's facts on the second. */
export async function resultsXlsx(
  screening: Screening & { counts: ScreeningCounts },
  rows: readonly ScreeningRow[],
  lang: Lang,
): Promise<Buffer> {
  const t = INSTITUTION_TEXT[lang];
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(t.screeningTitle, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(headers(lang)).font = { bold: true };
  for (const row of rows) sheet.addRow(cells(row, lang));
  sheet.columns.forEach((column, i) => (column.width = [8, 22, 22, 30, 10, 12, 10, 10, 40][i]));
  const about = book.addWorksheet(t.counts);
  about.addRows([
    [t.fileName, screening.fileName],
    [t.purpose, t[`purpose_${screening.purpose}`]],
    [t.screenedAt, beijingDateTime(new Date(screening.screenedAt))],
    [t.screened, screening.counts.screened],
    [t.found, screening.counts.found],
    [t.notFound, screening.counts.notFound],
    [t.invalid, screening.counts.invalid],
    [t.blacklistedCount, screening.counts.blacklisted],
  ]);
  about.getColumn(1).width = 16;
  about.getColumn(2).width = 30;
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The results as CSV, UTF-8 with a BOM for Excel, formulas defused (csvStream). */
export function resultsCsv(rows: readonly ScreeningRow[], lang: Lang): Readable {
  const csv = csvStream({ bom: true, record_delimiter: '\r\n' });
  csv.write(headers(lang));
  for (const row of rows) csv.write(cells(row, lang).map(String));
  csv.end();
  return csv;
}

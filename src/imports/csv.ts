import { isUtf8 } from 'node:buffer';

/** Decodes CSV cells given as bytes; null when any is not valid UTF-8. */
export function decodeCells(cells: Buffer[]): string[] | null {
  const out = new Array<string>(cells.length);
  for (let i = 0; i < cells.length; i++) {
    if (!isUtf8(cells[i])) return null;
    out[i] = cells[i].toString('utf8');
  }
  return out;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** YYYY/M/D, YYYY-M-D, YYYY.M.D or YYYY年M月D日: the ways Chinese offices write a date in a spreadsheet. */
const LOOSE_DATE = /^(\d{4})(?:[/.-]|年)(\d{1,2})(?:[/.-]|月)(\d{1,2})日?$/;

/**
 * A date cell as YYYY-MM-DD: as it is when already so (the fast path of a large file), else
 * YYYY/M/D and its kin padded; null when it is no date at all. The calendar check is isIsoDate's.
 */
export function normalDate(text: string): string | null {
  if (DATE.test(text)) return text;
  const m = LOOSE_DATE.exec(text);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : null;
}

/** 是/否 as well as true/false (any case); null for anything else. */
export function yesNo(text: string): boolean | null {
  const value = text.toLowerCase();
  if (value === 'true' || value === '是') return true;
  if (value === 'false' || value === '否') return false;
  return null;
}

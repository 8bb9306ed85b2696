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

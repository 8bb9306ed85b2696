import { BEIJING_OFFSET_MS } from '../../common/clock';

/** `QCR-<year in Beijing>-<sequence, at least 6 digits>`: unique because the sequence is. */
export function reportNumber(seq: number, issuedAt: Date): string {
  const year = new Date(issuedAt.getTime() + BEIJING_OFFSET_MS).getUTCFullYear();
  return `QCR-${year}-${String(seq).padStart(6, '0')}`;
}

export const REPORT_NUMBER = /^QCR-\d{4}-\d{6,}$/;

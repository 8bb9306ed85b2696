import { BEIJING_OFFSET_MS } from '../../common/clock';

/** A Beijing calendar month, `YYYY-MM`: the query log's partitions are one each. */
export type Month = string;

const PARTITION = /^credit_queries_(\d{4})_(\d{2})$/;

/** The Beijing month at `instant`. */
export function beijingMonth(instant: Date): Month {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 7);
}

/** `month` moved by `months` (negative: back). */
export function addMonths(month: Month, months: number): Month {
  const [year, m] = month.split('-').map(Number);
  const index = year * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The partition that holds `month` (as the migration's query_log_add_month names it). */
export function partitionOf(month: Month): string {
  return `credit_queries_${month.replace('-', '_')}`;
}

/** The month partition `name` holds, or null when it is not a month's partition. */
export function monthOf(name: string): Month | null {
  const match = PARTITION.exec(name);
  return match ? `${match[1]}-${match[2]}` : null;
}

/**
 * The oldest month kept when it is `now` and `retentionMonths` are kept: every older month ended
 * at least that many months ago, so it is retired whole. At 2026-12-06 with 60 months kept,
 * 2021-12 is the oldest kept, and 2021-11 (ended 2021-12-01) goes.
 */
export function oldestKept(now: Date, retentionMonths: number): Month {
  return addMonths(beijingMonth(now), -retentionMonths);
}

/** The months whose partitions should exist at `now`: this one and `ahead` after it. */
export function monthsAhead(now: Date, ahead: number): Month[] {
  const current = beijingMonth(now);
  return Array.from({ length: ahead + 1 }, (_, i) => addMonths(current, i));
}

/**
 * Dates as the law counts them, in Beijing time (UTC+8 all year, no daylight saving): the
 * working-day arithmetic behind the objection deadline and the month arithmetic behind the
 * repair date and expiry. Pure; the calendar's exceptions come from the caller.
 */

import { BEIJING_OFFSET_MS, beijingDate } from './clock';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Exceptions to the weekend rule: a weekday holiday (false) or a weekend working day, 调休 (true). */
export type CalendarExceptions = ReadonlyMap<string, boolean>;

function parse(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function format(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** 00:00 Beijing time of this date. */
export function startOfBeijingDay(date: string): Date {
  return new Date(parse(date) - BEIJING_OFFSET_MS);
}

export function addDays(date: string, days: number): string {
  return format(parse(date) + days * DAY_MS);
}

/** Whether people work on this date: Monday to Friday, unless the calendar says otherwise. */
export function isWorkingDay(date: string, exceptions: CalendarExceptions): boolean {
  const listed = exceptions.get(date);
  if (listed !== undefined) return listed;
  const weekday = new Date(parse(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The `n`th working day after `date` (the start day itself never counts); `date` for n = 0. */
export function addWorkingDays(date: string, n: number, exceptions: CalendarExceptions): string {
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count of days: ${n}`);
  let day = date;
  for (let counted = 0; counted < n;) {
    day = addDays(day, 1);
    if (isWorkingDay(day, exceptions)) counted++;
  }
  return day;
}

/** The same day `months` later; a day the target month lacks becomes its last day (31 Jan + 1 → 28/29 Feb). */
export function addMonths(date: string, months: number): string {
  const d = new Date(parse(date));
  const index = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return format(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)));
}

/**
 * When the objection window closes: the end (24:00 Beijing time) of the `workingDays`th working
 * day after the notice date, the notice day not counting; at the notice itself for 0.
 */
export function objectionDeadline(noticedAt: Date, workingDays: number, exceptions: CalendarExceptions): Date {
  if (workingDays === 0) return noticedAt;
  const lastDay = addWorkingDays(beijingDate(noticedAt), workingDays, exceptions);
  return startOfBeijingDay(addDays(lastDay, 1));
}

/** The first date (Beijing) on which credit repair may be applied for. */
export function earliestRepairDate(publishedAt: Date, repairMinMonths: number): string {
  return addMonths(beijingDate(publishedAt), repairMinMonths);
}

/**
 * When a listing ends: the end (24:00 Beijing time) of the day `periodMonths` after the
 * publication date, counted as periods are in Chinese law (from the day after publication).
 */
export function listingExpiry(publishedAt: Date, periodMonths: number): Date {
  return startOfBeijingDay(addDays(addMonths(beijingDate(publishedAt), periodMonths), 1));
}

/**
 * Working days from `today` to `lastDay`: how many working days after today up to and including
 * `lastDay` (0 when it is today), or, when `lastDay` has passed, minus the working days since it.
 */
export function workingDaysUntil(today: string, lastDay: string, exceptions: CalendarExceptions): number {
  const [from, to, sign] = today <= lastDay ? [today, lastDay, 1] : [lastDay, today, -1];
  let n = 0;
  for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (isWorkingDay(day, exceptions)) n++;
  return sign * n;
}

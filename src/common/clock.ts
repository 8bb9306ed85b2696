/** Wenzhou keeps Beijing time: UTC+8 all year, no daylight saving. */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** The calendar date in Beijing at this instant (YYYY-MM-DD). */
export function beijingDate(instant: Date): string {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The last day (a Beijing date) of a period that ends at `end`, exclusive: the date a millisecond
 * before. A listing that expires at 2029-09-24 00:00 Beijing (16:00Z the day before) runs through
 * 2029-09-23; a deadline at 24:00 of a day is met on that day. Every date shown to people as the
 * end of something (listed until, objection deadline) is this one.
 */
export function beijingLastDay(end: Date): string {
  return beijingDate(new Date(end.getTime() - 1));
}

/** `yyyy-mm-dd hh:mm` in Beijing at this instant. */
export function beijingDateTime(instant: Date): string {
  return new Date(instant.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

/** Time as the application sees it; tests replace it to move deadlines without sleeping. */
export abstract class Clock {
  abstract now(): Date;

  /**
   * Today's date in Wenzhou: what "today" means for a date field (not in the future), for the
   * date a grade holds on, and for the daily jobs, which run on Beijing time too. Between 00:00
   * and 08:00 in Beijing it is a day ahead of the UTC date.
   */
  today(): string {
    return beijingDate(this.now());
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

import { keyedAuditedTable } from '../audit/audited-table';
import { CALENDAR_DAY_KEY, calendarDaysOn } from './calendar.repository';

/**
 * calendar_days as their newest `calendar.set` or `calendar.remove` entry left them (the days a
 * migration seeded have no entry and are not compared). A removed day has no `after`, and no row.
 */
export const auditedCalendar = keyedAuditedTable(
  'calendar_days',
  'calendar_day',
  CALENDAR_DAY_KEY,
  async (manager, ids) => new Map((await calendarDaysOn(manager, ids)).map((d) => [d.date, d])),
);

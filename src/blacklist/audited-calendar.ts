import { keyedAuditedTable } from '../audit/audited-table';
import { calendarDayKeys, calendarDaysOn } from './calendar.repository';

/**
 * calendar_days as their newest `calendar.set` or `calendar.remove` entry left them (the days a
 * migration seeded have no entry and are not compared). A removed day has no `after`, and no row.
 */
export const auditedCalendar = keyedAuditedTable('calendar_days', 'calendar_day', {
  keys: calendarDayKeys,
  asWritten: async (manager, ids) => new Map((await calendarDaysOn(manager, ids)).map((d) => [d.date, d])),
});

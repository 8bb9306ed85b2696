import { keyedAuditedTable } from '../audit/audited-table';
import { toCalendarDayDto } from './calendar.service';

/**
 * calendar_days as their newest `calendar.set` or `calendar.remove` entry left them (the days a
 * migration seeded have no entry and are not compared). A removed day has no `after`, and no row.
 */
export const auditedCalendar = keyedAuditedTable(
  'calendar_days',
  'calendar_day',
  `to_char(day, 'YYYY-MM-DD')`,
  async (manager, ids) => {
    const rows: { date: string; working: boolean; name: string }[] = await manager.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, working, name FROM calendar_days
      WHERE to_char(day, 'YYYY-MM-DD') = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.date, toCalendarDayDto(r)]));
  },
);

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Problem } from '../common/problem';
import { CalendarExceptions } from '../common/calendar-days';
import { CalendarDayDto, CalendarQuery, SetCalendarDayDto } from './dto/calendar.dto';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function toCalendarDayDto(r: { date: string; working: boolean; name: string }): CalendarDayDto {
  return { date: r.date, working: r.working, name: r.name };
}

/**
 * The working calendar: Monday to Friday work, Saturday and Sunday do not, except on the days
 * listed here (public holidays on weekdays, weekend days worked in exchange), which
 * administrators maintain. A change applies to deadlines set after it; deadlines already set
 * stay as they were announced.
 */
@Injectable()
export class CalendarService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(query: CalendarQuery): Promise<CalendarDayDto[]> {
    const rows = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, working, name FROM calendar_days
        WHERE $1::int IS NULL OR extract(year FROM day) = $1::int ORDER BY day`,
      [query.year ?? null],
    );
    return rows.map(toCalendarDayDto);
  }

  async set(date: string, dto: SetCalendarDayDto, actor: Actor): Promise<CalendarDayDto> {
    const day = this.parse(date);
    const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
    if (dto.working !== weekend) {
      throw Problem.validation([
        {
          field: 'working',
          message: weekend
            ? `${day} is a weekend day: list it only as worked (true)`
            : `${day} is a weekday: list it only as a day off (false)`,
        },
      ]);
    }
    return this.audit.change(actor, async (manager) => {
      const [before] = await manager.query(
        `SELECT to_char(day, 'YYYY-MM-DD') AS date, working, name FROM calendar_days WHERE day = $1 FOR UPDATE`,
        [day],
      );
      const [row] = await manager.query(
        `INSERT INTO calendar_days (day, working, name) VALUES ($1, $2, $3)
         ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, name = EXCLUDED.name
         RETURNING to_char(day, 'YYYY-MM-DD') AS date, working, name`,
        [day, dto.working, dto.name],
      );
      const after = toCalendarDayDto(row);
      return {
        result: after,
        entry: { action: 'calendar.set', entityType: 'calendar_day', entityId: day, before: before ?? null, after },
      };
    });
  }

  async remove(date: string, actor: Actor): Promise<void> {
    const day = this.parse(date);
    await this.audit.change(actor, async (manager) => {
      // TypeORM answers a DELETE … RETURNING with [rows, count].
      const [[before]] = await manager.query(
        `DELETE FROM calendar_days WHERE day = $1 RETURNING to_char(day, 'YYYY-MM-DD') AS date, working, name`,
        [day],
      );
      if (!before) throw Problem.notFound('Calendar day', day);
      return {
        result: undefined,
        entry: { action: 'calendar.remove', entityType: 'calendar_day', entityId: day, before },
      };
    });
  }

  /** The listed days after `date` (the only ones a deadline counted from it can meet). */
  async exceptionsAfter(date: string, manager: EntityManager = this.dataSource.manager): Promise<CalendarExceptions> {
    const rows: { date: string; working: boolean }[] = await manager.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS date, working FROM calendar_days WHERE day > $1`,
      [date],
    );
    return new Map(rows.map((r) => [r.date, r.working]));
  }

  private parse(date: string): string {
    const valid = DATE.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
    if (!valid) throw Problem.validation([{ field: 'date', message: 'must be a date YYYY-MM-DD' }]);
    return date;
  }
}

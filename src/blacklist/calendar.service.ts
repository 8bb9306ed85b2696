import { Injectable } from '@nestjs/common';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { CalendarExceptions, workingDaysUntil } from '../common/calendar-days';
import { beijingDate } from '../common/clock';
import { Problem } from '../common/problem';
import { CalendarRepository } from './calendar.repository';
import { CalendarDayDto, CalendarQuery, SetCalendarDayDto } from './dto/calendar.dto';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The working calendar: Monday to Friday work, Saturday and Sunday do not, except on the days
 * listed here (public holidays on weekdays, weekend days worked in exchange), which
 * administrators maintain. A change applies to deadlines set after it; deadlines already set
 * stay as they were announced.
 */
@Injectable()
export class CalendarService {
  constructor(
    private readonly days: CalendarRepository,
    private readonly audit: AuditService,
  ) {}

  /** The listed days after `date`: what working days from it on are counted with. */
  exceptionsAfter(date: string): Promise<CalendarExceptions> {
    return this.days.exceptionsAfter(date);
  }

  list(query: CalendarQuery): Promise<CalendarDayDto[]> {
    return this.days.list(query.year ?? null);
  }

  /**
   * Working days from `today` (Beijing date) to the last day of a deadline that ends at `end`
   * (24:00 of that day): 0 when it is today, negative once it has passed.
   */
  async workingDaysLeft(today: string, end: Date): Promise<number> {
    const lastDay = beijingDate(new Date(end.getTime() - 1));
    const exceptions = await this.days.exceptionsAfter(today < lastDay ? today : lastDay);
    return workingDaysUntil(today, lastDay, exceptions);
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
      const before = await this.days.lock(manager, day);
      const after = await this.days.put(manager, { date: day, working: dto.working, name: dto.name });
      return {
        result: after,
        entry: { action: 'calendar.set', entityType: 'calendar_day', entityId: day, before: before ?? null, after },
      };
    });
  }

  async remove(date: string, actor: Actor): Promise<void> {
    const day = this.parse(date);
    await this.audit.change(actor, async (manager) => {
      const before = await this.days.delete(manager, day);
      if (!before) throw Problem.notFound('Calendar day', day);
      return {
        result: undefined,
        entry: { action: 'calendar.remove', entityType: 'calendar_day', entityId: day, before },
      };
    });
  }

  private parse(date: string): string {
    const valid = DATE.test(date) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
    if (!valid) throw Problem.validation([{ field: 'date', message: 'must be a date YYYY-MM-DD' }]);
    return date;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CalendarExceptions } from '../common/calendar-days';
import { CalendarDayDto } from './dto/calendar.dto';

/** A listed day's key, as the audit chain names it (`calendar_day` entries): its date, YYYY-MM-DD. */
const CALENDAR_DAY_KEY = `to_char(day, 'YYYY-MM-DD')`;
const DAY_COLUMNS = `${CALENDAR_DAY_KEY} AS date, working, name`;

/**
 * The listed days among these dates (YYYY-MM-DD). A function of the manager alone: the audit
 * module's descriptor of calendar_days runs it over the transaction it verifies in.
 */
export async function calendarDaysOn(manager: EntityManager, dates: string[]): Promise<CalendarDayDto[]> {
  return manager.query(
    `SELECT ${DAY_COLUMNS} FROM calendar_days
      WHERE ${CALENDAR_DAY_KEY} = ANY($1::text[])`,
    [dates],
  );
}

/**
 * Every listed day's key, as the chain's `calendar_day` entries name it. A function of the manager
 * alone, like `calendarDaysOn`: audit verification runs it over the transaction it verifies in.
 */
export async function calendarDayKeys(manager: EntityManager): Promise<string[]> {
  const rows: { key: string }[] = await manager.query(`SELECT ${CALENDAR_DAY_KEY} AS key FROM calendar_days`);
  return rows.map((r) => r.key);
}

/** calendar_days: the days that differ from the weekend rule. */
@Injectable()
export class CalendarRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The listed days, of one year or all, in date order. */
  async list(year: number | null): Promise<CalendarDayDto[]> {
    return this.db.query(
      `SELECT ${DAY_COLUMNS} FROM calendar_days
        WHERE $1::int IS NULL OR extract(year FROM day) = $1::int ORDER BY day`,
      [year],
    );
  }

  /** The day as listed, locked until the transaction ends; undefined when it is not listed. */
  async lock(manager: EntityManager, day: string): Promise<CalendarDayDto | undefined> {
    const [row] = await manager.query(`SELECT ${DAY_COLUMNS} FROM calendar_days WHERE day = $1 FOR UPDATE`, [day]);
    return row;
  }

  async put(manager: EntityManager, day: CalendarDayDto): Promise<CalendarDayDto> {
    const [row] = await manager.query(
      `INSERT INTO calendar_days (day, working, name) VALUES ($1, $2, $3)
       ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, name = EXCLUDED.name
       RETURNING ${DAY_COLUMNS}`,
      [day.date, day.working, day.name],
    );
    return row;
  }

  /** Removes the day from the list; the day as it was listed, undefined when it was not. */
  async delete(manager: EntityManager, day: string): Promise<CalendarDayDto | undefined> {
    // TypeORM answers a DELETE … RETURNING with [rows, count].
    const [[before]] = await manager.query(`DELETE FROM calendar_days WHERE day = $1 RETURNING ${DAY_COLUMNS}`, [day]);
    return before;
  }

  /** The listed days after `date` (the only ones a deadline counted from it can meet). */
  async exceptionsAfter(date: string, manager: EntityManager = this.db.manager): Promise<CalendarExceptions> {
    const rows: { date: string; working: boolean }[] = await manager.query(
      `SELECT ${CALENDAR_DAY_KEY} AS date, working FROM calendar_days WHERE day > $1`,
      [date],
    );
    return new Map(rows.map((r) => [r.date, r.working]));
  }
}

import type { EntityManager } from 'typeorm';
import { CALENDAR_DAY_KEY } from './calendar.repository';

/**
 * Every listed day's key, as the chain's `calendar_day` entries name it. A function of the manager
 * alone, like `calendarDaysOn`: audit verification runs it over the transaction it verifies in.
 */
export async function calendarDayKeys(manager: EntityManager): Promise<string[]> {
  const rows: { key: string }[] = await manager.query(`SELECT ${CALENDAR_DAY_KEY} AS key FROM calendar_days`);
  return rows.map((r) => r.key);
}

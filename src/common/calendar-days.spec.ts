import { beijingDate, beijingLastDay } from './clock';
import {
  addMonths,
  addWorkingDays,
  earliestRepairDate,
  isWorkingDay,
  listingExpiry,
  objectionDeadline,
  workingDaysUntil,
} from './calendar-days';

/** Spring Festival 2026 as the State Council set it: 15–23 Feb off, Saturdays 14 and 28 Feb worked. */
const SPRING_2026 = new Map<string, boolean>([
  ...['16', '17', '18', '19', '20', '23'].map((d): [string, boolean] => [`2026-02-${d}`, false]),
  ['2026-02-14', true],
  ['2026-02-28', true],
]);
const NONE = new Map<string, boolean>();

describe('calendar days', () => {
  it('treats Saturdays and Sundays as non-working unless the calendar lists them as working', () => {
    expect(isWorkingDay('2026-03-06', NONE)).toBe(true); // Friday
    expect(isWorkingDay('2026-03-07', NONE)).toBe(false); // Saturday
    expect(isWorkingDay('2026-03-08', NONE)).toBe(false); // Sunday
    expect(isWorkingDay('2026-02-14', SPRING_2026)).toBe(true); // a Saturday worked (调休)
    expect(isWorkingDay('2026-02-16', SPRING_2026)).toBe(false); // a Monday of the holiday
  });

  it('counts working days after the start day, skipping weekends', () => {
    expect(addWorkingDays('2026-03-02', 0, NONE)).toBe('2026-03-02');
    expect(addWorkingDays('2026-03-02', 1, NONE)).toBe('2026-03-03');
    expect(addWorkingDays('2026-03-06', 1, NONE)).toBe('2026-03-09'); // Friday → Monday
    expect(addWorkingDays('2026-03-07', 1, NONE)).toBe('2026-03-09'); // from a Saturday
    expect(addWorkingDays('2026-03-02', 10, NONE)).toBe('2026-03-16');
  });

  it('skips holidays and counts weekend working days', () => {
    expect(addWorkingDays('2026-02-10', 10, NONE)).toBe('2026-02-24');
    expect(addWorkingDays('2026-02-10', 10, SPRING_2026)).toBe('2026-03-02');
    expect(addWorkingDays('2026-02-13', 1, SPRING_2026)).toBe('2026-02-14');
    expect(addWorkingDays('2026-02-14', 1, SPRING_2026)).toBe('2026-02-24');
  });

  it('refuses a negative or fractional count', () => {
    expect(() => addWorkingDays('2026-03-02', -1, NONE)).toThrow();
    expect(() => addWorkingDays('2026-03-02', 1.5, NONE)).toThrow();
  });

  it('adds months, keeping the day or falling back to the end of a shorter month', () => {
    expect(addMonths('2026-03-20', 12)).toBe('2027-03-20');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2028-01-31', 1)).toBe('2028-02-29');
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonths('2026-12-15', 36)).toBe('2029-12-15');
    expect(addMonths('2026-05-05', 0)).toBe('2026-05-05');
  });

  it('takes dates in Beijing time', () => {
    expect(beijingDate(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
    expect(beijingDate(new Date('2026-03-01T16:00:00Z'))).toBe('2026-03-02');
  });

  it('closes the objection window at the end of the last working day, or at the notice for 0 days', () => {
    const noticed = new Date('2026-02-10T02:00:00Z'); // Tuesday 10:00 in Beijing
    expect(objectionDeadline(noticed, 10, SPRING_2026).toISOString()).toBe('2026-03-02T16:00:00.000Z');
    expect(objectionDeadline(noticed, 10, NONE).toISOString()).toBe('2026-02-24T16:00:00.000Z');
    expect(objectionDeadline(noticed, 0, NONE)).toEqual(noticed);
    // Noticed late on Friday evening in Beijing (still Friday in UTC): the days start on Monday.
    expect(objectionDeadline(new Date('2026-03-06T13:00:00Z'), 1, NONE).toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('dates repair and expiry from the publication date', () => {
    const published = new Date('2026-03-20T01:30:00Z');
    expect(earliestRepairDate(published, 12)).toBe('2027-03-20');
    expect(earliestRepairDate(published, 0)).toBe('2026-03-20');
    expect(listingExpiry(published, 36).toISOString()).toBe('2029-03-20T16:00:00.000Z');
    // Published just after midnight in Beijing: still the 21st there.
    expect(listingExpiry(new Date('2026-03-20T16:30:00Z'), 1).toISOString()).toBe('2026-04-21T16:00:00.000Z');
  });

  it('counts working days left to a last day, and working days past it as negative', () => {
    expect(workingDaysUntil('2026-02-12', '2026-02-12', SPRING_2026)).toBe(0);
    // Fri 13 Feb, Sat 14 (worked), then the holiday to Mon 23; Tue 24 is the next working day.
    expect(workingDaysUntil('2026-02-12', '2026-02-24', SPRING_2026)).toBe(3);
    expect(workingDaysUntil('2026-02-24', '2026-02-12', SPRING_2026)).toBe(-3);
    expect(workingDaysUntil('2026-03-06', '2026-03-09', NONE)).toBe(1);
  });

  it('takes the last day of a deadline at 24:00 Beijing time as the day before it', () => {
    expect(beijingLastDay(new Date('2026-03-09T16:00:00Z'))).toBe('2026-03-09');
    expect(beijingLastDay(new Date('2026-03-09T16:00:00.001Z'))).toBe('2026-03-10');
  });
});

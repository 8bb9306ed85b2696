import { addMonths, beijingMonth, monthOf, monthsAhead, oldestKept, partitionOf } from './months';

describe('query log months', () => {
  it('takes the month in Beijing, where March begins eight hours before it does in UTC', () => {
    expect(beijingMonth(new Date('2026-02-28T16:00:00Z'))).toBe('2026-03');
    expect(beijingMonth(new Date('2026-02-28T15:59:59.999Z'))).toBe('2026-02');
  });

  it('moves across years both ways', () => {
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-12', -60)).toBe('2021-12');
  });

  it('names partitions as the migration does, and reads only those names back', () => {
    expect(partitionOf('2026-03')).toBe('credit_queries_2026_03');
    expect(monthOf('credit_queries_2026_03')).toBe('2026-03');
    expect(monthOf('credit_queries_default')).toBeNull();
    expect(monthOf('credit_queries_2026_03_pkey')).toBeNull();
  });

  it('keeps whole months: the oldest kept is the month that many months back', () => {
    // 2021-11 ended at 2021-12-01 00:00 Beijing, more than 60 months before 2026-12-01 00:30 Beijing.
    expect(oldestKept(new Date('2026-11-30T16:30:00Z'), 60)).toBe('2021-12');
    expect(oldestKept(new Date('2026-11-30T15:30:00Z'), 60)).toBe('2021-11');
  });

  it('lists this month and the ones ahead', () => {
    expect(monthsAhead(new Date('2026-11-15T00:00:00Z'), 3)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });
});

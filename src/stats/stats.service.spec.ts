import { lastTwelveMonths, passRate } from './stats.service';

describe('stats', () => {
  it('counts the 12 calendar months that end with this one, across a year end', () => {
    expect(lastTwelveMonths('2026-03-31')).toEqual([
      '2025-04',
      '2025-05',
      '2025-06',
      '2025-07',
      '2025-08',
      '2025-09',
      '2025-10',
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
    ]);
    expect(lastTwelveMonths('2026-12-01').slice(0, 1)).toEqual(['2026-01']);
  });

  it('meets the 92 % target at 92 % and not without checks', () => {
    expect(passRate(23, 2)).toEqual({ passed: 23, failed: 2, total: 25, rate: 0.92, met: true });
    expect(passRate(11, 1).met).toBe(false);
    expect(passRate(0, 0)).toEqual({ passed: 0, failed: 0, total: 0, rate: null, met: false });
  });
});

import { REPORT_NUMBER, reportNumber } from './report-number';

describe('report numbers', () => {
  it('take the year in Beijing time and pad the sequence to six digits', () => {
    expect(reportNumber(123, new Date('2026-03-17T01:00:00Z'))).toBe('QCR-2026-000123');
    expect(reportNumber(7, new Date('2026-12-31T16:00:00Z'))).toBe('QCR-2027-000007'); // 1 January, 00:00 in Beijing
    expect(reportNumber(12_345_678, new Date('2026-06-01T00:00:00Z'))).toBe('QCR-2026-12345678');
    expect(REPORT_NUMBER.test('QCR-2026-12345678')).toBe(true);
    expect(REPORT_NUMBER.test('QCR-2026-123')).toBe(false);
  });
});

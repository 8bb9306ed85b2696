import { gradeChart } from './grade-chart';

const spec = (validFrom: string, now: string) => ({
  title: '等级变化',
  intervals: [{ grade: 'B' as const, validFrom, validTo: null }],
  now: new Date(now),
  gradeName: (g: string) => `${g} 级`,
  day: (at: Date) => at.toISOString().slice(0, 10),
});

describe('gradeChart', () => {
  it('labels the time axis with the first grading day and today', () => {
    const svg = gradeChart(spec('2026-06-01T02:00:00Z', '2026-12-06T02:00:00Z'));
    expect(svg.match(/>\d{4}-\d{2}-\d{2}</g)).toEqual(['>2026-06-01<', '>2026-12-06<']);
  });

  it('gives one date when the enterprise was graded today', () => {
    const svg = gradeChart(spec('2026-12-06T01:00:00Z', '2026-12-06T02:00:00Z'));
    expect(svg.match(/>\d{4}-\d{2}-\d{2}</g)).toEqual(['>2026-12-06<']);
  });
});

import type { StatsOverviewDto } from '../stats/dto/stats-overview.dto';
import { horizontalBarChart } from './charts';
import { Dictionary, format, Lang } from './i18n';

/** Fills with at least 3:1 contrast on white, one per grade (and grey for not yet graded). */
export const GRADE_COLORS = { A: '#1b6e34', B: '#2f6fb5', C: '#9a5b00', D: '#b3261e', ungraded: '#6b7280' } as const;

export const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

/** The statistics page's three charts, as inline SVG, from the overview the stats service computes. */
export function statsCharts(overview: StatsOverviewDto, t: Dictionary, lang: Lang) {
  const districtName = (d: { districtNameZh: string; districtNameEn: string }) =>
    lang === 'zh' ? d.districtNameZh : d.districtNameEn;
  const districts = overview.grades.byDistrict.filter((d) => d.total > 0);
  const grades = horizontalBarChart({
    title: t.gradesByDistrict,
    categories: districts.map(districtName),
    series: (['A', 'B', 'C', 'D', 'ungraded'] as const).map((grade) => ({
      name: grade === 'ungraded' ? t.ungraded : grade,
      values: districts.map((d) => d[grade]),
      color: GRADE_COLORS[grade],
    })),
    stacked: true,
    xLabel: t.district,
    yLabel: t.enterprises,
  });
  const flow = horizontalBarChart({
    title: t.blacklistFlow,
    categories: overview.blacklistFlow.map((m) => m.month),
    series: [
      { name: t.published, values: overview.blacklistFlow.map((m) => m.published), color: '#b3261e' },
      { name: t.removed, values: overview.blacklistFlow.map((m) => m.removed), color: '#2f6fb5' },
    ],
    xLabel: t.month,
    yLabel: t.count,
  });
  const checked = overview.spotChecks.byDistrict.filter((d) => d.total > 0);
  const target = overview.spotChecks.target;
  const passRate = horizontalBarChart({
    title: t.passRate,
    categories: [t.wholeCity, ...checked.map(districtName)],
    series: [
      {
        name: t.passRate,
        values: [overview.spotChecks.overall, ...checked].map((d) => (d.rate ?? 0) * 100),
        color: '#2f6fb5',
      },
    ],
    reference: { value: target * 100, label: format(t.passRateTarget, { target: percent(target) }) },
    max: 100,
    labelZero: true,
    format: (v) => `${Math.round(v * 10) / 10}%`,
    xLabel: t.district,
    yLabel: t.passRate,
  });
  return { grades, flow, passRate, districts, checked };
}

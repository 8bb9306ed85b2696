import { GRADES, Grade } from '../../classification/rule-set';
import type { DryRunResult } from '../../classification/rule-set-dry-run';
import type { DistrictDto } from '../../registry/dto/reference.dto';
import { barChart } from '../charts';
import { GRADE_COLORS } from '../stats-charts';
import type { ConsoleContext } from './console-pages';

/** A dry run's result as the page shows it: the grade-move matrix, and the grades by district as a chart and a table. */
export function dryRunView(result: DryRunResult, districts: DistrictDto[], it: ConsoleContext) {
  const t = it.t;
  const totals = (side: 'active' | 'draft') =>
    Object.fromEntries(
      GRADES.map((g) => [g, Object.values(result.byDistrict).reduce((sum, d) => sum + d[side][g], 0)]),
    ) as Record<Grade, number>;
  const active = totals('active');
  const draft = totals('draft');
  const moved = (from: Grade, to: Grade) => result.moves[`${from}->${to}`] ?? 0;
  const stayed = (g: Grade) => active[g] - GRADES.filter((to) => to !== g).reduce((sum, to) => sum + moved(g, to), 0);
  const matrix = GRADES.map((from) => ({
    from,
    cells: GRADES.map((to) => ({ to, n: from === to ? stayed(from) : moved(from, to), same: from === to })),
    total: active[from],
  }));
  const names = new Map(districts.map((d) => [d.code, it.lang === 'zh' ? d.nameZh : d.nameEn]));
  const rows = Object.entries(result.byDistrict)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, counts]) => ({ code, name: names.get(code) ?? code, ...counts }));
  const chart = barChart({
    title: t.districtChart,
    categories: rows.flatMap((r) => [`${r.name}·${t.current}`, `${r.name}·${t.draft}`]),
    series: GRADES.map((g) => ({
      name: it.grade(g),
      values: rows.flatMap((r) => [r.active[g], r.draft[g]]),
      color: GRADE_COLORS[g],
    })),
    stacked: true,
    xLabel: t.district,
    yLabel: t.enterprises,
  });
  return { matrix, draftTotals: draft, rows, chart, enterprises: result.enterprises };
}

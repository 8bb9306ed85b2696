import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { REMOVAL_REASONS } from '../blacklist/blacklist-states';
import { addDays, addMonths, startOfBeijingDay } from '../common/calendar-days';
import { GRADES } from '../classification/rule-set';
import { beijingDate, Clock } from '../common/clock';
import { DistrictDto } from '../registry/dto/reference.dto';
import { ReferenceService } from '../registry/reference.service';
import {
  BlacklistMonthDto,
  DistrictGradesDto,
  DistrictPassRateDto,
  GradeCountsDto,
  PassRateDto,
  StatsOverviewDto,
} from './dto/stats-overview.dto';

/** The plan's spot-check pass-rate target for manufactured products (温政办〔2014〕98号). */
export const SPOT_CHECK_TARGET = 0.92;

export function passRate(passed: number, failed: number): PassRateDto {
  const total = passed + failed;
  const rate = total ? passed / total : null;
  return { passed, failed, total, rate, met: rate !== null && rate >= SPOT_CHECK_TARGET };
}

/** The 12 calendar months (Beijing) that end with the one `today` is in, oldest first: `yyyy-mm`. */
export function lastTwelveMonths(today: string): string[] {
  const first = `${today.slice(0, 7)}-01`;
  return Array.from({ length: 12 }, (_, i) => addMonths(first, i - 11).slice(0, 7));
}

/**
 * Figures for regulators and the statistics page: grades by district, the blacklist's flow by
 * month, and the spot-check pass rate against the plan's 92 % target. "The last 12 months" are
 * counted from the injectable clock, in Beijing dates. Each figure is one aggregating query.
 */
@Injectable()
export class StatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly reference: ReferenceService,
  ) {}

  async overview(): Promise<StatsOverviewDto> {
    const now = this.clock.now();
    const today = beijingDate(now);
    const districts = await this.reference.listDistricts();
    // Three independent queries, side by side on the pool.
    const [byDistrict, blacklistFlow, spotChecks] = await Promise.all([
      this.grades(districts),
      this.blacklistFlow(today),
      this.spotChecks(districts, today),
    ]);
    const total: GradeCountsDto = { A: 0, B: 0, C: 0, D: 0, ungraded: 0, total: 0 };
    for (const d of byDistrict) {
      for (const key of [...GRADES, 'ungraded', 'total'] as const) total[key] += d[key];
    }
    return { asOf: now, grades: { byDistrict, total }, blacklistFlow, spotChecks };
  }

  /** Current grades of the registered enterprises of each district, and those not graded yet. */
  private async grades(districts: DistrictDto[]): Promise<DistrictGradesDto[]> {
    const rows: (Record<(typeof GRADES)[number] | 'ungraded', number> & { district_code: string })[] =
      await this.dataSource.query(
        `SELECT e.district_code,
                count(*) FILTER (WHERE c.grade = 'A')::int AS "A",
                count(*) FILTER (WHERE c.grade = 'B')::int AS "B",
                count(*) FILTER (WHERE c.grade = 'C')::int AS "C",
                count(*) FILTER (WHERE c.grade = 'D')::int AS "D",
                count(*) FILTER (WHERE c.enterprise_id IS NULL)::int AS ungraded
           FROM enterprises e LEFT JOIN classifications c ON c.enterprise_id = e.id
          GROUP BY e.district_code`,
      );
    const found = new Map(rows.map((r) => [r.district_code, r]));
    return districts.map((d) => {
      const r = found.get(d.code);
      const counts = { A: r?.A ?? 0, B: r?.B ?? 0, C: r?.C ?? 0, D: r?.D ?? 0, ungraded: r?.ungraded ?? 0 };
      return {
        districtCode: d.code,
        districtNameZh: d.nameZh,
        districtNameEn: d.nameEn,
        ...counts,
        total: counts.A + counts.B + counts.C + counts.D + counts.ungraded,
      };
    });
  }

  /** Publications and removals (by reason) per calendar month in Beijing, for the last 12 months. */
  private async blacklistFlow(today: string): Promise<BlacklistMonthDto[]> {
    const months = lastTwelveMonths(today);
    const from = startOfBeijingDay(`${months[0]}-01`);
    const to = startOfBeijingDay(addMonths(`${months[11]}-01`, 1));
    const rows: { month: string; kind: string; n: number }[] = await this.dataSource.query(
      `SELECT to_char(published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, 'published' AS kind, count(*)::int AS n
         FROM blacklist_entries WHERE published_at >= $1 AND published_at < $2 GROUP BY 1
       UNION ALL
       SELECT to_char(removed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), removal_reason, count(*)::int
         FROM blacklist_entries WHERE removed_at >= $1 AND removed_at < $2 GROUP BY 1, 2`,
      [from, to],
    );
    const count = (month: string, kind: string) => rows.find((r) => r.month === month && r.kind === kind)?.n ?? 0;
    return months.map((month) => {
      const removedBy = { expired: 0, repaired: 0, revoked: 0 };
      for (const reason of REMOVAL_REASONS) removedBy[reason] = count(month, reason);
      return {
        month,
        published: count(month, 'published'),
        removed: removedBy.expired + removedBy.repaired + removedBy.revoked,
        removedBy,
      };
    });
  }

  /**
   * Spot checks in force (neither withdrawn nor superseded) that took place in the 12 months up
   * to today: passed over passed plus failed, for the city and for each district.
   */
  private async spotChecks(districts: DistrictDto[], today: string): Promise<StatsOverviewDto['spotChecks']> {
    const from = addDays(addMonths(today, -12), 1);
    const rows: { district_code: string; passed: number; failed: number }[] = await this.dataSource.query(
      `SELECT e.district_code,
              count(*) FILTER (WHERE r.type = 'spot_check_pass')::int AS passed,
              count(*) FILTER (WHERE r.type = 'spot_check_fail')::int AS failed
         FROM credit_records_in_force r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE r.type IN ('spot_check_pass', 'spot_check_fail') AND r.occurred_on BETWEEN $1 AND $2
        GROUP BY e.district_code`,
      [from, today],
    );
    const found = new Map(rows.map((r) => [r.district_code, r]));
    const byDistrict: DistrictPassRateDto[] = districts.map((d) => ({
      districtCode: d.code,
      districtNameZh: d.nameZh,
      districtNameEn: d.nameEn,
      ...passRate(found.get(d.code)?.passed ?? 0, found.get(d.code)?.failed ?? 0),
    }));
    const overall = passRate(
      rows.reduce((n, r) => n + r.passed, 0),
      rows.reduce((n, r) => n + r.failed, 0),
    );
    return { target: SPOT_CHECK_TARGET, from, to: today, overall, byDistrict };
  }
}

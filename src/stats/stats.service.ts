import { Injectable } from '@nestjs/common';
import { REMOVAL_REASONS } from '../blacklist/blacklist-states';
import { BlacklistReads } from '../blacklist/blacklist-reads.repository';
import { ClassificationRepository } from '../classification/classification.repository';
import { addDays, addMonths, startOfBeijingDay } from '../common/calendar-days';
import { GRADES } from '../classification/rule-set';
import { beijingDate, Clock } from '../common/clock';
import { RecordsRepository } from '../records/records.repository';
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
 * counted from the injectable clock, in Beijing dates. The figures come from the read methods
 * of the modules that keep the data: grades and spot checks counted by district by
 * classification and records (over the register's published view), the blacklist's flow.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly clock: Clock,
    private readonly reference: ReferenceService,
    private readonly grading: ClassificationRepository,
    private readonly records: RecordsRepository,
    private readonly listings: BlacklistReads,
  ) {}

  async overview(): Promise<StatsOverviewDto> {
    const now = this.clock.now();
    const today = beijingDate(now);
    const districts = await this.reference.listDistricts();
    // Independent reads, side by side on the pool.
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
    const found = new Map((await this.grading.gradeCountsByDistrict()).map((r) => [r.districtCode, r]));
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
    const rows = await this.listings.flowByMonth(from, to);
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
    const rows = await this.records.spotChecksByDistrict(from, today);
    const found = new Map(rows.map((r) => [r.districtCode, r]));
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

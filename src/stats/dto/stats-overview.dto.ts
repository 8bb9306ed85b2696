import { ApiProperty } from '@nestjs/swagger';

export class GradeCountsDto {
  @ApiProperty({ example: 120 }) A!: number;
  @ApiProperty({ example: 300 }) B!: number;
  @ApiProperty({ example: 40 }) C!: number;
  @ApiProperty({ example: 5 }) D!: number;
  @ApiProperty({ example: 12, description: 'registered enterprises without a grade yet' }) ungraded!: number;
  @ApiProperty({ example: 477, description: 'registered enterprises' }) total!: number;
}

export class DistrictGradesDto extends GradeCountsDto {
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: '鹿城区' }) districtNameZh!: string;
  @ApiProperty({ example: 'Lucheng District' }) districtNameEn!: string;
}

export class GradesDto {
  @ApiProperty({ type: [DistrictGradesDto], description: 'every district, in code order' })
  byDistrict!: DistrictGradesDto[];

  @ApiProperty({ type: GradeCountsDto, description: 'the whole city' })
  total!: GradeCountsDto;
}

export class RemovalsDto {
  @ApiProperty({ example: 2 }) expired!: number;
  @ApiProperty({ example: 1 }) repaired!: number;
  @ApiProperty({ example: 0 }) revoked!: number;
}

export class BlacklistMonthDto {
  @ApiProperty({ example: '2026-03', description: 'calendar month in Beijing time' }) month!: string;
  @ApiProperty({ example: 4, description: 'entries published in the month' }) published!: number;
  @ApiProperty({ example: 3, description: 'entries removed in the month, whatever the reason' }) removed!: number;
  @ApiProperty({ type: RemovalsDto }) removedBy!: RemovalsDto;
}

export class PassRateDto {
  @ApiProperty({ example: 1425, description: 'spot checks passed (spot_check_pass records in force)' })
  passed!: number;
  @ApiProperty({ example: 95, description: 'spot checks failed (spot_check_fail records in force)' })
  failed!: number;
  @ApiProperty({ example: 1520 }) total!: number;
  @ApiProperty({ nullable: true, type: Number, example: 0.9375, description: 'passed / total; null without checks' })
  rate!: number | null;
  @ApiProperty({ example: true, description: 'rate ≥ target (false without checks)' }) met!: boolean;
}

export class DistrictPassRateDto extends PassRateDto {
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: '鹿城区' }) districtNameZh!: string;
  @ApiProperty({ example: 'Lucheng District' }) districtNameEn!: string;
}

export class SpotChecksDto {
  @ApiProperty({ example: 0.92, description: "the plan's target pass rate (温政办〔2014〕98号)" }) target!: number;
  @ApiProperty({ example: '2025-03-03', description: 'first day counted (Beijing date)' }) from!: string;
  @ApiProperty({ example: '2026-03-02', description: 'last day counted (Beijing date)' }) to!: string;
  @ApiProperty({ type: PassRateDto }) overall!: PassRateDto;
  @ApiProperty({ type: [DistrictPassRateDto], description: 'every district, in code order' })
  byDistrict!: DistrictPassRateDto[];
}

export class StatsOverviewDto {
  @ApiProperty({ example: '2026-03-02T08:00:00.000Z', description: 'when the figures were computed' }) asOf!: Date;
  @ApiProperty({ type: GradesDto }) grades!: GradesDto;
  @ApiProperty({ type: [BlacklistMonthDto], description: 'the last 12 calendar months, oldest first, this one last' })
  blacklistFlow!: BlacklistMonthDto[];
  @ApiProperty({ type: SpotChecksDto, description: 'over the last 12 months' }) spotChecks!: SpotChecksDto;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { REASON_CODES, ReasonCode } from '../../../blacklist/dto/blacklist.dto';
import { PageQuery } from '../../../common/pagination';
import { ToInteger, Trim } from '../../../common/transforms';

/**
 * What the public reads of the blacklist. These classes are the only shapes the public routes
 * answer with, and the service fills them field by field from a query that selects nothing
 * else: no proposer, reviewer, objection, repair application, note, transition or legal
 * representative can reach them.
 */

export class PublicBlacklistQuery extends PageQuery {
  @ApiPropertyOptional({
    example: '阀门',
    description: "a fragment of the enterprise's name, or the beginning of its credit code",
  })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ example: '330302', description: "the enterprise's district (GB/T 2260 code)" })
  @IsOptional()
  @Matches(/^[0-9]{6}$/, { message: 'must be a 6-digit district code' })
  districtCode?: string;

  @ApiPropertyOptional({ enum: REASON_CODES, example: 'substandard_products' })
  @IsOptional()
  @IsIn(REASON_CODES)
  reasonCode?: ReasonCode;

  @ApiPropertyOptional({ example: 2026, description: 'the year of publication (Beijing time)' })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
}

/** A code with its Chinese and English names (district, reason, authority). */
export class PublicLabelDto {
  @ApiProperty({ example: 'substandard_products' }) code!: string;
  @ApiProperty({ example: '生产销售不合格产品' }) nameZh!: string;
  @ApiProperty({ example: 'Producing or selling substandard products' }) nameEn!: string;
}

export class PublicBlacklistEntrySummaryDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) enterpriseName!: string;
  @ApiProperty({ type: PublicLabelDto, description: "the enterprise's district" }) district!: PublicLabelDto;
  @ApiProperty({ type: PublicLabelDto, description: 'the reason for listing' }) reason!: PublicLabelDto;
  @ApiProperty({ type: PublicLabelDto, description: 'the department that decided the listing' })
  authority!: PublicLabelDto;
  @ApiProperty({ example: '2026-03-20T01:00:00.000Z' }) publishedAt!: Date;
  @ApiProperty({
    example: '2029-03-20T16:00:00.000Z',
    description: 'the end of the listing period (exclusive): the instant the entry is removed',
  })
  expiresAt!: Date;
  @ApiProperty({ example: '2026-03-20', description: 'the date of publication in Beijing (列入日期)' })
  publishedOn!: string;
  @ApiProperty({
    example: '2029-03-20',
    description: 'the last day of the listing in Beijing (列入期限至): the Beijing date just before expiresAt',
  })
  listedUntil!: string;
}

export class PublicBlacklistEntryDto extends PublicBlacklistEntrySummaryDto {
  @ApiProperty({ example: '《市场监督管理严重违法失信名单管理办法》第九条' }) legalBasis!: string;
  @ApiProperty({ example: '2025年至2026年间三次监督抽查阀门产品密封性能不合格' }) facts!: string;
}

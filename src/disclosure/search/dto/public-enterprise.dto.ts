import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { GRADES, Grade } from '../../../classification/rule-set';
import { PageQuery, PageSize } from '../../../common/pagination';
import { Trim } from '../../../common/transforms';
import { ENTERPRISE_STATUSES } from '../../../registry/enterprise.entity';

/**
 * The public answers of the search. These classes are the only shapes that leave the public
 * routes: they hold no personal data (the legal representative is masked), no internal notes,
 * no user names, no objection or repair texts. Never return an internal DTO from here.
 */

export const MAX_QUERY_LENGTH = 50;
const MAX_PUBLIC_PAGE_SIZE = 100;

export class PublicSearchQuery extends PageQuery {
  @ApiProperty({
    example: '瓯海',
    minLength: 1,
    maxLength: MAX_QUERY_LENGTH,
    description: 'a fragment of the name (one character or more, anywhere in it) or a credit code or its beginning',
  })
  @Trim()
  @IsString()
  @Length(1, MAX_QUERY_LENGTH)
  q!: string;

  /** Narrower than the internal lists: a public page is for reading, not for harvesting. */
  @PageSize(MAX_PUBLIC_PAGE_SIZE, 20)
  override pageSize = 20;
}

/** The current grade: A 守信, B 良好, C 警示, D 失信; null before the enterprise's first grading (未评级). */
const GRADE_PROPERTY = {
  enum: GRADES,
  nullable: true,
  type: String,
  description: 'the current quality-credit grade (A best, D worst); null when not graded yet',
} as const;

export const MATCH_KINDS = ['code', 'code-prefix', 'name-prefix', 'name'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export class PublicSearchHitDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({
    example: 'name',
    enum: MATCH_KINDS,
    description: 'why it matched, in rank order: the exact code, a code beginning, a name beginning, a name fragment',
  })
  match!: MatchKind;
  @ApiProperty({ example: false, description: 'the enterprise has a published blacklist entry in force' })
  blacklisted!: boolean;
  @ApiProperty({ ...GRADE_PROPERTY, example: 'B' })
  grade!: Grade | null;
}

export class PublicSearchPageDto {
  @ApiProperty({ type: [PublicSearchHitDto] }) items!: PublicSearchHitDto[];
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 20 }) pageSize!: number;
  @ApiProperty({ example: 37, description: 'matches, counted up to the search window (see totalCapped)' })
  total!: number;
  @ApiProperty({
    example: false,
    description: 'true when there are more matches than the window counts and pages through; refine the query',
  })
  totalCapped!: boolean;
}

export class PublicBilingualDto {
  @ApiProperty({ example: '生产销售不合格产品' }) zh!: string;
  @ApiProperty({ example: 'Making or selling substandard products' }) en!: string;
}

export class PublicEnterpriseBlacklistEntryDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'substandard_products' }) reasonCode!: string;
  @ApiProperty({ type: PublicBilingualDto }) reason!: PublicBilingualDto;
  @ApiProperty({ example: '《市场监督管理严重违法失信名单管理办法》第九条' }) legalBasis!: string;
  @ApiProperty({ example: '2025年至2026年间三次监督抽查阀门产品密封性能不合格' }) facts!: string;
  @ApiProperty({ example: 'AMR', description: 'the listing authority' }) departmentCode!: string;
  @ApiProperty({ type: PublicBilingualDto }) department!: PublicBilingualDto;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: '2026-03-20T01:00:00.000Z' }) publishedAt!: Date;
  @ApiProperty({ example: '2029-03-20T16:00:00.000Z' }) expiresAt!: Date;
  @ApiProperty({ example: '2026-03-20', description: 'the date of publication in Beijing (列入日期)' })
  publishedOn!: string;
  @ApiProperty({ example: '2029-03-20', description: 'the last day of the listing in Beijing (列入期限至)' })
  listedUntil!: string;
}

export class PublicRecordDto {
  @ApiProperty({ example: '1001' }) id!: string;
  @ApiProperty({ example: 'spot_check_fail' }) type!: string;
  @ApiProperty({ nullable: true, type: String, example: 'serious' }) severity!: string | null;
  @ApiProperty({ format: 'date', example: '2025-06-10' }) occurredOn!: string;
  @ApiProperty({ example: '温质监抽字〔2025〕101号' }) documentNo!: string;
  @ApiProperty({ example: '监督抽查：阀门产品密封性能不合格' }) summary!: string;
  @ApiProperty({ example: 'QTS' }) departmentCode!: string;
  @ApiProperty({ type: PublicBilingualDto }) department!: PublicBilingualDto;
}

export class PublicEnterpriseDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ type: PublicBilingualDto }) district!: PublicBilingualDto;
  @ApiProperty({ example: 'active', enum: ENTERPRISE_STATUSES, description: 'registration status' }) status!: string;
  @ApiProperty({ nullable: true, type: String, example: '张*', description: 'masked: the surname only' })
  legalRepresentative!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date',
    example: '2008-05-16',
    description: 'date of registration',
  })
  registeredOn!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'C3443', description: 'GB/T 4754 industry code, when known' })
  industryCode!: string | null;
  @ApiProperty({ ...GRADE_PROPERTY, example: 'D' })
  grade!: Grade | null;
  @ApiProperty({ type: [PublicEnterpriseBlacklistEntryDto], description: 'published and not yet removed' })
  activeBlacklistEntries!: PublicEnterpriseBlacklistEntryDto[];
  @ApiProperty({ type: [PublicRecordDto], description: 'disclosed and in force (not withdrawn, not superseded)' })
  disclosedRecords!: PublicRecordDto[];
}

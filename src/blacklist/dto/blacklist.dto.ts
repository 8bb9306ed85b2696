import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { Trim } from '../../common/transforms';
import { REMOVAL_REASONS, RemovalReason, Status, STATUSES } from '../blacklist-states';

export const REASON_CODES = [
  'counterfeit_products',
  'substandard_products',
  'recall_refused',
  'repeated_spot_check_failure',
  'falsified_inspection',
  'major_quality_incident',
  'other_serious_violation',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

const USCC_EXAMPLE = '91330100799655058B';

const DocumentRef = () =>
  applyDecorators(
    ApiPropertyOptional({ example: '温市监告字〔2026〕3号', description: 'the document the move rests on (文号)' }),
    IsOptional(),
    Trim(),
    IsString(),
    Length(1, 100),
  );

/** The optional note and document reference (文号) any move may carry. */
export class MoveDto {
  @ApiPropertyOptional({ example: '经核查，事实清楚' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  note?: string;

  @DocumentRef()
  documentRef?: string;
}

/** A move that must give its reasons: decisions and revocations. */
export class ReasonedMoveDto {
  @ApiProperty({ example: '原处罚决定经行政复议撤销' })
  @Trim()
  @IsString()
  @Length(1, 2000)
  note!: string;

  @DocumentRef()
  documentRef?: string;
}

export class CreateBlacklistEntryDto {
  @ApiProperty({ example: USCC_EXAMPLE })
  @Trim()
  @IsString()
  @Matches(/^[0-9A-Za-z]{18}$/, { message: 'must be an 18-character credit code' })
  uscc!: string;

  @ApiProperty({ example: 'substandard_products', enum: REASON_CODES })
  @IsIn(REASON_CODES)
  reasonCode!: ReasonCode;

  @ApiProperty({ example: '《市场监督管理严重违法失信名单管理办法》第九条' })
  @Trim()
  @IsString()
  @Length(1, 1000)
  legalBasis!: string;

  @ApiProperty({ example: '2025年至2026年间三次监督抽查阀门产品密封性能不合格', description: 'public text' })
  @Trim()
  @IsString()
  @Length(1, 5000)
  facts!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 120, example: 36, description: 'default LISTING_PERIOD_MONTHS' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(120)
  periodMonths?: number;

  @DocumentRef()
  documentRef?: string;
}

export class RevocationDto extends ReasonedMoveDto {}

export class DecisionDto extends ReasonedMoveDto {
  @ApiProperty({ example: 'approved', enum: ['approved', 'rejected'] })
  @IsIn(['approved', 'rejected'])
  outcome!: 'approved' | 'rejected';
}

export class ObjectionDecisionDto extends ReasonedMoveDto {
  @ApiProperty({ example: 'dismissed', enum: ['upheld', 'dismissed'] })
  @IsIn(['upheld', 'dismissed'])
  outcome!: 'upheld' | 'dismissed';
}

export class RepairDecisionDto extends ReasonedMoveDto {
  @ApiProperty({ example: 'granted', enum: ['granted', 'refused'] })
  @IsIn(['granted', 'refused'])
  outcome!: 'granted' | 'refused';
}

export class ObjectionDto {
  @ApiProperty({ example: '三次抽查中有一次样品并非本企业生产，申请复核' })
  @Trim()
  @IsString()
  @Length(1, 5000)
  statement!: string;
}

export class RepairApplicationDto {
  @ApiProperty({ example: '已全部召回问题批次并完成整改，申请信用修复' })
  @Trim()
  @IsString()
  @Length(1, 5000)
  statement!: string;

  @ApiPropertyOptional({ example: '整改报告及复检合格报告（编号 QC-2027-118）' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 5000)
  evidence?: string;
}

export class ListBlacklistQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STATUSES, example: 'published' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: Status;

  @ApiPropertyOptional({ example: USCC_EXAMPLE })
  @IsOptional()
  @Trim()
  @Matches(/^[0-9A-Za-z]{18}$/, { message: 'must be an 18-character credit code' })
  uscc?: string;

  @ApiPropertyOptional({ example: '330302' })
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'must be a 6-digit district code' })
  districtCode?: string;

  @ApiPropertyOptional({ enum: REASON_CODES, example: 'substandard_products' })
  @IsOptional()
  @IsIn(REASON_CODES)
  reasonCode?: ReasonCode;
}

export class EnterpriseBlacklistQuery extends PageQuery {}

export class ReasonDto {
  @ApiProperty({ example: 'substandard_products', enum: REASON_CODES }) code!: ReasonCode;
  @ApiProperty({ example: '制假售假' }) nameZh!: string;
  @ApiProperty({ example: 'Making or selling counterfeit products' }) nameEn!: string;
}

export class TransitionDto {
  @ApiProperty({ example: '7' }) id!: string;
  @ApiProperty({ example: 'notice', description: 'propose, notice, object, decideObjection, decide, publish, …' })
  action!: string;
  @ApiProperty({ example: 'proposed', enum: STATUSES, nullable: true }) from!: Status | null;
  @ApiProperty({ example: 'noticed', enum: STATUSES }) to!: Status;
  @ApiProperty({ nullable: true, type: String, example: 'approved' }) outcome!: string | null;
  @ApiProperty({ example: 'amr.reviewer', nullable: true, type: String }) actor!: string | null;
  @ApiProperty({ example: 'regulator', enum: ['regulator', 'reviewer', 'enterprise', 'system'] }) role!: string;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) at!: Date;
  @ApiProperty({ example: '经核查，事实清楚', nullable: true, type: String }) note!: string | null;
  @ApiProperty({ example: '温市监告字〔2026〕3号', nullable: true, type: String }) documentRef!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) objectionId!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) repairApplicationId!: string | null;
}

/** A file attached to an objection or a repair application, as its row describes it. */
export class EvidenceFileDto {
  @ApiProperty({ example: '0b5e6c1e-4f0a-4a57-9a51-2d7f0f4f6c11' }) id!: string;
  @ApiProperty({ example: '整改报告.pdf', description: 'the name the file was uploaded with' }) name!: string;
  @ApiProperty({
    example: 'application/pdf',
    enum: ['application/pdf', 'image/jpeg', 'image/png'],
    description: 'read from its content',
  })
  contentType!: string;
  @ApiProperty({ example: 183204, description: 'bytes' }) size!: number;
  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }) sha256!: string;
  @ApiProperty({ example: 'ent.valve' }) uploadedBy!: string;
  @ApiProperty({ example: '2026-03-05T03:00:00.000Z' }) uploadedAt!: Date;
}

/** The 信用修复承诺书 a repair application's applicant accepted: which text, and when. */
export class AcceptedCommitmentDto {
  @ApiProperty({ example: '2026-12-v1' }) version!: string;
  @ApiProperty({
    example: '5d41402abc4b2a76b9719d911017c592e3b0c44298fc1c149afbf4c8996fb924',
    description: "SHA-256 of the text's title and paragraphs, one a line",
  })
  sha256!: string;
  @ApiProperty({ example: '2027-06-16T02:00:00.000Z' }) acceptedAt!: Date;
}

/** What an objection and a repair application share: who filed what when, and the decision on it. */
class FilingDto {
  @ApiProperty({ example: '3' }) id!: string;
  @ApiProperty({ example: '12' }) entryId!: string;
  @ApiProperty({
    example: '三次抽查中有一次样品并非本企业生产，申请复核',
  })
  statement!: string;
  @ApiProperty({ example: 'enterprise', enum: ['enterprise', 'regulator'] }) filedRole!: string;
  @ApiProperty({ example: '2026-03-05T03:00:00.000Z' }) filedAt!: Date;
  @ApiProperty({ example: null, nullable: true, type: String }) note!: string | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) decidedAt!: Date | null;
  @ApiProperty({ type: [EvidenceFileDto], description: 'evidence files attached when it was filed (the portal)' })
  files!: EvidenceFileDto[];
}

export class ObjectionViewDto extends FilingDto {
  @ApiProperty({ example: null, enum: ['upheld', 'dismissed'], nullable: true }) outcome!:
    'upheld' | 'dismissed' | null;
}

export class RepairApplicationViewDto extends FilingDto {
  @ApiProperty({ example: '整改报告及复检合格报告（编号 QC-2027-118）', nullable: true, type: String }) evidence!:
    string | null;
  @ApiProperty({ example: null, enum: ['granted', 'refused'], nullable: true }) outcome!: 'granted' | 'refused' | null;
  @ApiProperty({
    type: AcceptedCommitmentDto,
    nullable: true,
    description: 'the 信用修复承诺书 accepted with the application (filed in the portal); null when none was',
  })
  commitment!: AcceptedCommitmentDto | null;
}

export class BlacklistEntryDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ example: USCC_EXAMPLE }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) enterpriseName!: string;
  @ApiProperty({ example: '330302', description: "the enterprise's district" }) districtCode!: string;
  @ApiProperty({ example: 'substandard_products', enum: REASON_CODES }) reasonCode!: ReasonCode;
  @ApiProperty({ type: ReasonDto }) reason!: ReasonDto;
  @ApiProperty({ example: '《市场监督管理严重违法失信名单管理办法》第九条' }) legalBasis!: string;
  @ApiProperty({ example: '2025年至2026年间三次监督抽查阀门产品密封性能不合格' }) facts!: string;
  @ApiProperty({ example: 36 }) periodMonths!: number;
  @ApiProperty({ example: 'noticed', enum: STATUSES }) status!: Status;
  @ApiProperty({ example: 'AMR', description: "the proposer's department" }) departmentCode!: string;
  @ApiProperty({ example: 'amr.li', nullable: true, type: String }) proposedBy!: string | null;
  @ApiProperty({ example: '2026-03-01T02:00:00.000Z' }) proposedAt!: Date;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z', nullable: true, type: Date }) noticedAt!: Date | null;
  @ApiProperty({
    example: '2026-03-16T16:00:00.000Z',
    nullable: true,
    type: Date,
    description:
      'objections are taken until this moment; a decision only from it (24:00 Beijing time of the last working day)',
  })
  objectionDeadline!: Date | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) decidedAt!: Date | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) publishedAt!: Date | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    format: 'date',
    description: 'publication + REPAIR_MIN_MONTHS',
  })
  earliestRepairDate!: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: Date,
    description: 'publication + period; removed as expired from then',
  })
  expiresAt!: Date | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) removedAt!: Date | null;
  @ApiProperty({ example: null, enum: REMOVAL_REASONS, nullable: true }) removalReason!: RemovalReason | null;
  @ApiProperty({ type: [ObjectionViewDto] }) objections!: ObjectionViewDto[];
  @ApiProperty({ type: [RepairApplicationViewDto] }) repairApplications!: RepairApplicationViewDto[];
  @ApiProperty({ type: [TransitionDto] }) transitions!: TransitionDto[];
}

/** A list row: the entry without its objections, applications and transitions. */
export class BlacklistEntrySummaryDto {
  @ApiProperty({ example: '12' }) id!: string;
  @ApiProperty({ example: USCC_EXAMPLE }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) enterpriseName!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: 'substandard_products', enum: REASON_CODES }) reasonCode!: ReasonCode;
  @ApiProperty({ example: 'published', enum: STATUSES }) status!: Status;
  @ApiProperty({ example: 36 }) periodMonths!: number;
  @ApiProperty({ example: 'AMR' }) departmentCode!: string;
  @ApiProperty({ example: '2026-03-01T02:00:00.000Z' }) proposedAt!: Date;
  @ApiProperty({ example: '2026-03-16T16:00:00.000Z', nullable: true, type: Date }) objectionDeadline!: Date | null;
  @ApiProperty({ example: '2026-03-20T01:00:00.000Z', nullable: true, type: Date }) publishedAt!: Date | null;
  @ApiProperty({ example: '2027-03-20', nullable: true, type: String, format: 'date' }) earliestRepairDate!:
    string | null;
  @ApiProperty({ example: '2029-03-20T16:00:00.000Z', nullable: true, type: Date }) expiresAt!: Date | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) removedAt!: Date | null;
  @ApiProperty({ example: null, enum: REMOVAL_REASONS, nullable: true }) removalReason!: RemovalReason | null;
}

export class ExpiryResultDto {
  @ApiProperty({ example: 3 }) removed!: number;
}

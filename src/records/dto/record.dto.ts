import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { Trim } from '../../common/transforms';
import { HOTLINES, Hotline, RECORD_TYPES, RecordType, Severity, SEVERITIES } from '../record-rules';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class CreateRecordDto {
  @ApiProperty({ example: 'spot_check_fail', enum: RECORD_TYPES })
  @IsIn(RECORD_TYPES)
  type!: RecordType;

  @ApiProperty({ example: '2026-03-15', format: 'date', description: 'not in the future, not before registration' })
  @IsISO8601({ strict: true })
  @Matches(DATE, { message: 'must be a date YYYY-MM-DD' })
  occurredOn!: string;

  @ApiProperty({
    example: '温质监罚字〔2026〕15号',
    description: 'official document number (文号), unique per department',
  })
  @Trim()
  @IsString()
  @Length(1, 100)
  documentNo!: string;

  @ApiProperty({ example: '监督抽查：阀门产品密封性能不合格' })
  @Trim()
  @IsString()
  @Length(1, 2000)
  summary!: string;

  @ApiPropertyOptional({ example: 'general', enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({
    example: '12365',
    enum: HOTLINES,
    description: 'required for, and only for, complaint_substantiated',
  })
  @IsOptional()
  @IsIn(HOTLINES)
  hotline?: Hotline;

  @ApiPropertyOptional({
    example: true,
    description:
      'shown to the public; defaults by type (penalties, failed checks, recalls, revocations, awards: yes; complaints: no)',
  })
  @IsOptional()
  @IsBoolean()
  disclosed?: boolean;
}

export class CorrectRecordDto {
  @ApiProperty({ example: 'amend', enum: ['withdraw', 'amend'] })
  @IsIn(['withdraw', 'amend'])
  action!: 'withdraw' | 'amend';

  @ApiProperty({ example: '抽样编号录入错误，依复检结果更正' })
  @Trim()
  @IsString()
  @Length(1, 2000)
  reason!: string;

  @ApiPropertyOptional({ example: 'spot_check_fail', enum: RECORD_TYPES, description: 'amend only' })
  @IsOptional()
  @IsIn(RECORD_TYPES)
  type?: RecordType;

  @ApiPropertyOptional({ example: '2026-03-14', format: 'date', description: 'amend only' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE, { message: 'must be a date YYYY-MM-DD' })
  occurredOn?: string;

  @ApiPropertyOptional({ example: '温质监罚字〔2026〕15号', description: 'amend only' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  documentNo?: string;

  @ApiPropertyOptional({ example: '监督抽查：阀门产品壳体强度不合格', description: 'amend only' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  summary?: string;

  @ApiPropertyOptional({ example: 'general', enum: SEVERITIES, description: 'amend only' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ example: '12365', enum: HOTLINES, description: 'amend only' })
  @IsOptional()
  @IsIn(HOTLINES)
  hotline?: Hotline;

  @ApiPropertyOptional({ example: true, description: 'amend only' })
  @IsOptional()
  @IsBoolean()
  disclosed?: boolean;
}

export class ListRecordsQuery extends PageQuery {}

export const RECORD_STATES = ['current', 'superseded', 'withdrawn'] as const;

export class RecordDto {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: 'spot_check_fail', enum: RECORD_TYPES }) type!: RecordType;
  @ApiProperty({ example: 'general', enum: SEVERITIES, nullable: true }) severity!: Severity | null;
  @ApiProperty({ example: '2026-03-15', format: 'date' }) occurredOn!: string;
  @ApiProperty({ example: '温质监罚字〔2026〕15号' }) documentNo!: string;
  @ApiProperty({ example: '监督抽查：阀门产品密封性能不合格' }) summary!: string;
  @ApiProperty({ example: null, enum: HOTLINES, nullable: true }) hotline!: Hotline | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'the department that handles the hotline' })
  handledBy!: string | null;
  @ApiProperty({ example: true }) disclosed!: boolean;
  @ApiProperty({ example: 'QTS', description: 'the department that made the record' }) departmentCode!: string;
  @ApiProperty({
    example: 'current',
    enum: RECORD_STATES,
    description: 'current: in force; superseded: replaced by a correction; withdrawn: a withdrawal, nothing in force',
  })
  state!: (typeof RECORD_STATES)[number];
  @ApiProperty({ example: null, nullable: true, type: String, description: 'the record this one corrects' })
  supersedes!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'the correction that replaced this record' })
  supersededBy!: string | null;
  @ApiProperty({ example: null, nullable: true, enum: ['withdraw', 'amend'] }) correction!: 'withdraw' | 'amend' | null;
  @ApiProperty({ example: null, nullable: true, type: String }) correctionReason!: string | null;
  @ApiProperty({ example: '2026-03-16T02:20:00.000Z' }) createdAt!: Date;
}

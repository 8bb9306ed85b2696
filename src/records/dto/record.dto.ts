import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { Trim } from '../../common/transforms';
import { HOTLINES, Hotline, RECORD_TYPES, RecordType, Severity, SEVERITIES } from '../record-rules';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class CreateRecordDto {
  @ApiProperty({ enum: RECORD_TYPES })
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

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ enum: HOTLINES, description: 'required for, and only for, complaint_substantiated' })
  @IsOptional()
  @IsIn(HOTLINES)
  hotline?: Hotline;

  @ApiPropertyOptional({
    description:
      'shown to the public; defaults by type (penalties, failed checks, recalls, revocations, awards: yes; complaints: no)',
  })
  @IsOptional()
  @IsBoolean()
  disclosed?: boolean;
}

export class CorrectRecordDto {
  @ApiProperty({ enum: ['withdraw', 'amend'] })
  @IsIn(['withdraw', 'amend'])
  action!: 'withdraw' | 'amend';

  @ApiProperty({ example: '抽样编号录入错误，依复检结果更正' })
  @Trim()
  @IsString()
  @Length(1, 2000)
  reason!: string;

  @ApiPropertyOptional({ enum: RECORD_TYPES, description: 'amend only' })
  @IsOptional()
  @IsIn(RECORD_TYPES)
  type?: RecordType;

  @ApiPropertyOptional({ format: 'date', description: 'amend only' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(DATE, { message: 'must be a date YYYY-MM-DD' })
  occurredOn?: string;

  @ApiPropertyOptional({ description: 'amend only' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  documentNo?: string;

  @ApiPropertyOptional({ description: 'amend only' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  summary?: string;

  @ApiPropertyOptional({ enum: SEVERITIES, description: 'amend only' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ enum: HOTLINES, description: 'amend only' })
  @IsOptional()
  @IsIn(HOTLINES)
  hotline?: Hotline;

  @ApiPropertyOptional({ description: 'amend only' })
  @IsOptional()
  @IsBoolean()
  disclosed?: boolean;
}

export class ListRecordsQuery extends PageQuery {}

export const RECORD_STATES = ['current', 'superseded', 'withdrawn'] as const;

export class RecordDto {
  @ApiProperty({ example: '1042' }) id!: string;
  @ApiProperty() uscc!: string;
  @ApiProperty({ enum: RECORD_TYPES }) type!: RecordType;
  @ApiProperty({ enum: SEVERITIES, nullable: true }) severity!: Severity | null;
  @ApiProperty({ format: 'date' }) occurredOn!: string;
  @ApiProperty() documentNo!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ enum: HOTLINES, nullable: true }) hotline!: Hotline | null;
  @ApiProperty({ nullable: true, type: String, description: 'the department that handles the hotline' }) handledBy!:
    string | null;
  @ApiProperty() disclosed!: boolean;
  @ApiProperty({ description: 'the department that made the record' }) departmentCode!: string;
  @ApiProperty({
    enum: RECORD_STATES,
    description: 'current: in force; superseded: replaced by a correction; withdrawn: a withdrawal, nothing in force',
  })
  state!: (typeof RECORD_STATES)[number];
  @ApiProperty({ nullable: true, type: String, description: 'the record this one corrects' }) supersedes!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the correction that replaced this record' })
  supersededBy!: string | null;
  @ApiProperty({ nullable: true, enum: ['withdraw', 'amend'] }) correction!: 'withdraw' | 'amend' | null;
  @ApiProperty({ nullable: true, type: String }) correctionReason!: string | null;
  @ApiProperty() createdAt!: Date;
}

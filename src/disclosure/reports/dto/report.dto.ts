import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { GRADES, Grade } from '../../../classification/rule-set';
import { REPORT_NUMBER } from '../report-number';

/** Far above any report we sign (tens of KB with a hundred records), so a bigger one is refused before any work. */
export const MAX_REPORT_LENGTH = 100_000;
/** How many disclosed records a report lists, newest first (it counts them all). */
export const REPORT_RECORDS_LISTED = 100;

/** A name in Chinese and in English (a district, a department, a reason for listing). */
export class ReportNameDto {
  @ApiProperty({ example: '鹿城区' }) zh!: string;
  @ApiProperty({ example: 'Lucheng District' }) en!: string;
}

export class ReportIssuerDto {
  @ApiProperty({ example: 'quality-credit-registry' }) id!: string;
  @ApiProperty({ example: '温州市企业质量信用信息公示平台', description: 'the platform (SITE_NAME)' }) name!: string;
}

export class ReportEnterpriseDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiPropertyOptional({ type: ReportNameDto, description: 'absent in reports issued before it was added' })
  district?: ReportNameDto;
}

export class ReportClassificationDto {
  @ApiProperty({ example: 'B', enum: GRADES }) grade!: Grade;
  @ApiProperty({ example: 1 }) ruleSetVersion!: number;
  @ApiPropertyOptional({ example: '2026-03-01T16:05:00.000Z', description: 'when the grade was computed' })
  gradedAt?: string;
}

export class ReportBlacklistEntryDto {
  @ApiProperty({ example: '17' }) id!: string;
  @ApiProperty({ example: 'substandard_products' }) reasonCode!: string;
  @ApiPropertyOptional({ type: ReportNameDto }) reason?: ReportNameDto;
  @ApiPropertyOptional({ example: 'SCJG-WZ', description: 'the department that listed it' }) departmentCode?: string;
  @ApiPropertyOptional({ type: ReportNameDto }) department?: ReportNameDto;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) publishedAt!: string;
  @ApiProperty({ example: '2029-03-17T16:00:00.000Z', description: 'listed until this instant (exclusive)' })
  expiresAt!: string;
}

export class ReportRecordDto {
  @ApiProperty({ example: 'spot_check_fail' }) type!: string;
  @ApiProperty({ example: 'general', type: String, nullable: true, description: 'for the types graded by severity' })
  severity!: string | null;
  @ApiProperty({ example: '2026-02-01', description: 'the day it happened (YYYY-MM-DD)' }) occurredOn!: string;
  @ApiProperty({ example: 'SCJG-WZ' }) departmentCode!: string;
  @ApiProperty({ type: ReportNameDto }) department!: ReportNameDto;
  @ApiProperty({ example: '温市监抽字〔2026〕7号' }) documentNo!: string;
  @ApiProperty({ example: '阀门密封性能不合格' }) summary!: string;
}

export class ReportRecordsDto {
  @ApiProperty({ example: 3 }) total!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { spot_check_pass: 2, administrative_penalty: 1 },
    description: 'disclosed records in force, counted by type',
  })
  byType!: Record<string, number>;

  @ApiPropertyOptional({
    type: [ReportRecordDto],
    description: `the newest ${REPORT_RECORDS_LISTED} of them, newest first (absent in reports issued before it was added)`,
  })
  items?: ReportRecordDto[];
}

/** What a report states and its signature covers: public data only, nothing personal. */
export class ReportPayloadDto {
  @ApiProperty({ example: 'QCR-2026-000123' }) reportNo!: string;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) issuedAt!: string;
  @ApiProperty({ type: ReportIssuerDto }) issuer!: ReportIssuerDto;
  @ApiProperty({ type: ReportEnterpriseDto }) enterprise!: ReportEnterpriseDto;
  @ApiProperty({ type: ReportClassificationDto, nullable: true, description: 'null before the first grading' })
  classification!: ReportClassificationDto | null;
  @ApiProperty({ type: [ReportBlacklistEntryDto], description: 'published entries not removed' })
  blacklist!: ReportBlacklistEntryDto[];
  @ApiProperty({ type: ReportRecordsDto }) disclosedRecords!: ReportRecordsDto;
}

export class CreditReportDto {
  @ApiProperty({
    example: 'QCR-2026-000123',
    description: 'the report number; read it back at /api/v1/public/reports/{number}',
  })
  number!: string;

  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ik5aSzlfUlg0In0.eyJyZXBvcnRObyI6IlFDUi0yMDI2LTAwMDEyMyJ9.c2ln',
    description: 'compact JWS (EdDSA over the JSON payload); keys at /.well-known/jwks.json',
  })
  report!: string;

  @ApiProperty({
    example: 'QCR-2026-000123',
    deprecated: true,
    description: 'the same as `number`; kept for one release, then removed',
  })
  reportNo!: string;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) issuedAt!: string;
  @ApiProperty({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA', description: 'id of the signing key' })
  kid!: string;
}

/** A report read back by its number: as issued, and what it says. */
export class IssuedReportDto {
  @ApiProperty({ example: 'QCR-2026-000123' }) number!: string;
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ik5aSzlfUlg0In0.eyJyZXBvcnRObyI6IlFDUi0yMDI2LTAwMDEyMyJ9.c2ln',
    description: 'the compact JWS as issued',
  })
  report!: string;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) issuedAt!: string;
  @ApiProperty({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA' }) kid!: string;
  @ApiProperty({ type: () => ReportPayloadDto, description: 'what the report says (its signed payload)' })
  payload!: ReportPayloadDto;
}

/** Exactly one of `report` and `number` (checked by the service: 400 for both or neither). */
export class VerifyReportDto {
  @ApiPropertyOptional({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ik5aSzlfUlg0In0.eyJyZXBvcnRObyI6IlFDUi0yMDI2LTAwMDEyMyJ9.c2ln',
    description: 'a report as issued (the compact JWS)',
    maxLength: MAX_REPORT_LENGTH,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_REPORT_LENGTH)
  report?: string;

  @ApiPropertyOptional({
    example: 'QCR-2026-000123',
    pattern: REPORT_NUMBER.source,
    description: 'a report number: the report this site keeps under it is verified',
  })
  @IsOptional()
  @IsString()
  @Matches(REPORT_NUMBER, { message: 'must be a report number such as QCR-2026-000123' })
  number?: string;
}

export const VERIFICATION_FAILURES = ['malformed', 'unknown-key', 'bad-signature', 'not-issued', 'not-kept'] as const;
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

export class ReportVerificationDto {
  @ApiProperty({ example: true }) valid!: boolean;

  @ApiPropertyOptional({
    example: 'bad-signature',
    enum: VERIFICATION_FAILURES,
    description:
      'why not valid: not a compact JWS of a report; signed by a key we never had; signature does not match; ' +
      'signed by our key but not a report number we issued with this content (by number: no report with this ' +
      'number); by number, a report issued before reports were kept (only its digest was: verify the JWS itself)',
  })
  reason?: VerificationFailure;

  @ApiPropertyOptional({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA' }) kid?: string;
  @ApiPropertyOptional({ example: 'QCR-2026-000123', description: 'the report number' }) number?: string;
  @ApiPropertyOptional({
    example: 'QCR-2026-000123',
    deprecated: true,
    description: 'the same as `number`; kept for one release, then removed',
  })
  reportNo?: string;
  @ApiPropertyOptional({ example: '2026-03-17T01:00:00.000Z' }) issuedAt?: string;
  @ApiPropertyOptional({ type: ReportPayloadDto }) payload?: ReportPayloadDto;
}

export class JsonWebKeyDto {
  @ApiProperty({ example: 'OKP' }) kty!: string;
  @ApiProperty({ example: 'Ed25519' }) crv!: string;
  @ApiProperty({ example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }) x!: string;
  @ApiProperty({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA', description: 'RFC 7638 thumbprint' })
  kid!: string;
  @ApiProperty({ example: 'EdDSA' }) alg!: string;
  @ApiProperty({ example: 'sig' }) use!: string;
}

export class JsonWebKeySetDto {
  @ApiProperty({ type: [JsonWebKeyDto], description: 'the current key first, then retired ones' })
  keys!: JsonWebKeyDto[];
}

export class RotatedKeyDto {
  @ApiProperty({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA', description: 'the new current key' })
  kid!: string;
  @ApiProperty({ example: '2026-03-01T00:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({
    example: 'b4Jr0xQ2tWm9Ls7Pz1Kv5Hn3Gc8Fd6Ya4Ue2Io0Tq9',
    type: String,
    nullable: true,
    description: 'the key retired (still published)',
  })
  retiredKid!: string | null;
}

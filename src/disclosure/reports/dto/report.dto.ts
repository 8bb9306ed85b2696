import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { GRADES, Grade } from '../../../classification/rule-set';

/** Far above any report we sign (a few KB), so a bigger one is refused before any work. */
export const MAX_REPORT_LENGTH = 100_000;

export class ReportIssuerDto {
  @ApiProperty({ example: 'quality-credit-registry' }) id!: string;
  @ApiProperty({ example: '温州市企业质量信用信息平台' }) name!: string;
}

export class ReportEnterpriseDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
}

export class ReportClassificationDto {
  @ApiProperty({ example: 'B', enum: GRADES }) grade!: Grade;
  @ApiProperty({ example: 1 }) ruleSetVersion!: number;
}

export class ReportBlacklistEntryDto {
  @ApiProperty({ example: '17' }) id!: string;
  @ApiProperty({ example: 'substandard_products' }) reasonCode!: string;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) publishedAt!: string;
  @ApiProperty({ example: '2029-03-17T16:00:00.000Z' }) expiresAt!: string;
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
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ik5aSzlfUlg0In0.eyJyZXBvcnRObyI6IlFDUi0yMDI2LTAwMDEyMyJ9.c2ln',
    description: 'compact JWS (EdDSA over the JSON payload); keys at /.well-known/jwks.json',
  })
  report!: string;

  @ApiProperty({ example: 'QCR-2026-000123' }) reportNo!: string;
  @ApiProperty({ example: '2026-03-17T01:00:00.000Z' }) issuedAt!: string;
  @ApiProperty({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA', description: 'id of the signing key' })
  kid!: string;
}

export class VerifyReportDto {
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsImtpZCI6Ik5aSzlfUlg0In0.eyJyZXBvcnRObyI6IlFDUi0yMDI2LTAwMDEyMyJ9.c2ln',
    description: 'a report as issued (the compact JWS)',
    maxLength: MAX_REPORT_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_REPORT_LENGTH)
  report!: string;
}

export const VERIFICATION_FAILURES = ['malformed', 'unknown-key', 'bad-signature', 'not-issued'] as const;
export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

export class ReportVerificationDto {
  @ApiProperty({ example: true }) valid!: boolean;

  @ApiPropertyOptional({
    example: 'bad-signature',
    enum: VERIFICATION_FAILURES,
    description:
      'why not valid: not a compact JWS of a report; signed by a key we never had; signature does not match; ' +
      'signed by our key but not a report number we issued with this content',
  })
  reason?: VerificationFailure;

  @ApiPropertyOptional({ example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA' }) kid?: string;
  @ApiPropertyOptional({ example: 'QCR-2026-000123' }) reportNo?: string;
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

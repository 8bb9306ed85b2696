import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { PageQuery } from '../../common/pagination';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ example: 'enterprise' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  entityType?: string;

  @ApiPropertyOptional({ example: '91330100799655058B' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  entityId?: string;

  @ApiPropertyOptional({ example: '0d6a4c52-7e1f-4b8a-9c3d-2f5e6a7b8c90', description: 'a user id or an API key id' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actorId?: string;

  @ApiPropertyOptional({ example: 'enterprise.create' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-03-01T00:00:00+08:00',
    description: 'from this time, inclusive',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-03-02T00:00:00+08:00',
    description: 'until this time, exclusive',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditActorDto {
  @ApiProperty({ example: 'user', enum: ['user', 'key', 'system'] }) type!: 'user' | 'key' | 'system';
  @ApiProperty({ example: '0d6a4c52-7e1f-4b8a-9c3d-2f5e6a7b8c90', nullable: true, type: String }) id!: string | null;
  @ApiProperty({ example: 'amr.zhang', nullable: true, type: String, description: 'user name, key prefix or job' })
  name!: string | null;
}

export class AuditEventDto {
  @ApiProperty({ example: 48213, description: 'position in the chain' }) seq!: number;
  @ApiProperty({ example: '2026-03-02T06:12:40.000Z' }) occurredAt!: Date;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: 'enterprise.update' }) action!: string;
  @ApiProperty({ example: 'enterprise' }) entityType!: string;
  @ApiProperty({ example: '91330100799655058B' }) entityId!: string;
  @ApiProperty({
    example: '5994471abb01112afcc18159f6cc74b4f511b99806da59b3caf5a9c173cacfc5',
    nullable: true,
    type: String,
    description: 'SHA-256 of the entity before',
  })
  beforeDigest!: string | null;
  @ApiProperty({
    example: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c',
    nullable: true,
    type: String,
    description: 'SHA-256 of the entity after',
  })
  afterDigest!: string | null;
  @ApiProperty({ example: '7b0f5c1e-3f2a-4c55-9a61-2d0c4b8e9f10', nullable: true, type: String }) requestId!:
    string | null;
  @ApiProperty({ example: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' }) prevHash!: string;
  @ApiProperty({
    example: 'fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9',
    description: 'sha256(prevHash ‖ canonical row)',
  })
  hash!: string;
}

export class AuditCheckpointDto {
  @ApiProperty({ example: 48213, description: 'rows in the chain when the checkpoint was taken' }) length!: number;
  @ApiProperty({
    example: '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b',
    description: "hash of the chain's newest row then (64 zeros for an empty chain)",
  })
  head!: string;
  @ApiProperty({ example: '2026-03-02T16:00:00.000Z', description: 'when it was taken' }) at!: Date;
  @ApiProperty({
    example: 'NZK9_RX4yW3oQb8m1Zp7sLhT2vC6dFxE0aJgUkYiMnA',
    description: 'the signing key, as in /.well-known/jwks.json',
  })
  kid!: string;
  @ApiProperty({
    example: 'eyJhbGciOiJFZERTQSIsInR5cCI6ImF1ZGl0LWNoZWNrcG9pbnQranNvbiJ9.eyJsZW5ndGgiOjQ4MjEzfQ.c2ln',
    description: 'compact JWS (EdDSA, typ audit-checkpoint+json) over {"length","head","at"}; verify with the JWKS',
  })
  jws!: string;
}

export class FailedCheckpointDto {
  @ApiProperty({ example: 48000 }) length!: number;
  @ApiProperty({ example: '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b' }) head!: string;
  @ApiProperty({ example: '2026-03-01T16:00:00.000Z' }) at!: string;
  @ApiProperty({
    example: 'differs',
    enum: ['truncated', 'differs', 'unreadable', 'forged'],
    description:
      'the chain is now shorter than the checkpoint, or its row at that length has another hash, or the stored checkpoint no longer reads as one, or its signature is not an EdDSA signature (typ audit-checkpoint+json) of a report key',
  })
  found!: 'truncated' | 'differs' | 'unreadable' | 'forged';
}

export class DifferingRowDto {
  @ApiProperty({ example: 'credit_records' }) table!: string;
  @ApiProperty({ example: '1042', description: "the row's key (for a row that is gone, the id its entry names)" })
  id!: string;
  @ApiPropertyOptional({
    example: 48100,
    description:
      'seq of the newest chain entry describing the row, whose after digest it no longer has (none for an unaudited row)',
  })
  seq?: number;
  @ApiProperty({
    example: 'changed',
    enum: ['changed', 'missing', 'unaudited'],
    description:
      'the row differs from the entry, or is gone, or no entry describes it (inserted behind the application)',
  })
  found!: 'changed' | 'missing' | 'unaudited';
}

export class AuditVerificationDto {
  @ApiProperty({ example: true }) valid!: boolean;
  @ApiProperty({ example: 48213, description: 'rows in the chain' }) length!: number;
  @ApiPropertyOptional({
    example: 48101,
    description:
      'seq of the first row that does not follow from the one before, or that no signed checkpoint vouches for any more',
  })
  firstBrokenAt?: number;
  @ApiPropertyOptional({
    type: [DifferingRowDto],
    description:
      'audited rows (the tables in src/audited-tables.ts) that differ from what the chain last recorded of them',
  })
  differingRows?: DifferingRowDto[];
  @ApiPropertyOptional({
    type: FailedCheckpointDto,
    description: 'the oldest signed checkpoint the chain no longer matches',
  })
  failedCheckpoint?: FailedCheckpointDto;
}

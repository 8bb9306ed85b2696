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

  @ApiPropertyOptional({ description: 'a user id or an API key id' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actorId?: string;

  @ApiPropertyOptional({ example: 'enterprise.create' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'from this time, inclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'until this time, exclusive' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'key', 'system'] }) type!: 'user' | 'key' | 'system';
  @ApiProperty({ nullable: true, type: String }) id!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'user name, key prefix or job' }) name!: string | null;
}

export class AuditEventDto {
  @ApiProperty({ description: 'position in the chain' }) seq!: number;
  @ApiProperty() occurredAt!: Date;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: 'enterprise.update' }) action!: string;
  @ApiProperty({ example: 'enterprise' }) entityType!: string;
  @ApiProperty() entityId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the entity before' }) beforeDigest!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of the entity after' }) afterDigest!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) requestId!: string | null;
  @ApiProperty() prevHash!: string;
  @ApiProperty({ description: 'sha256(prevHash ‖ canonical row)' }) hash!: string;
}

export class AuditCheckpointDto {
  @ApiProperty({ description: 'rows in the chain when the checkpoint was taken' }) length!: number;
  @ApiProperty({ description: "hash of the chain's newest row then (64 zeros for an empty chain)" }) head!: string;
  @ApiProperty({ description: 'when it was taken' }) at!: Date;
  @ApiProperty({ description: 'the signing key, as in /.well-known/jwks.json' }) kid!: string;
  @ApiProperty({
    description: 'compact JWS (EdDSA, typ audit-checkpoint+json) over {"length","head","at"}; verify with the JWKS',
  })
  jws!: string;
}

export class FailedCheckpointDto {
  @ApiProperty() length!: number;
  @ApiProperty() head!: string;
  @ApiProperty() at!: string;
  @ApiProperty({
    enum: ['truncated', 'differs', 'unreadable', 'forged'],
    description:
      'the chain is now shorter than the checkpoint, or its row at that length has another hash, or the stored checkpoint no longer reads as one, or its signature is not an EdDSA signature (typ audit-checkpoint+json) of a report key',
  })
  found!: 'truncated' | 'differs' | 'unreadable' | 'forged';
}

export class DifferingRowDto {
  @ApiProperty({ example: 'credit_records' }) table!: string;
  @ApiProperty({ description: "the row's key (for a row that is gone, the id its entry names)" }) id!: string;
  @ApiPropertyOptional({
    description:
      'seq of the newest chain entry describing the row, whose after digest it no longer has (none for an unaudited row)',
  })
  seq?: number;
  @ApiProperty({
    enum: ['changed', 'missing', 'unaudited'],
    description:
      'the row differs from the entry, or is gone, or no entry describes it (inserted behind the application)',
  })
  found!: 'changed' | 'missing' | 'unaudited';
}

export class AuditVerificationDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ description: 'rows in the chain' }) length!: number;
  @ApiPropertyOptional({
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

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ToInteger, Trim } from '../../common/transforms';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { INSTITUTION_KINDS, InstitutionKind } from '../institution.entity';
import { API_SCOPES, ApiScope } from '../../access/principal';
import { DEPARTMENT_CODE } from './department.dto';

export class CreateInstitutionDto {
  @ApiProperty({ example: '温州银行股份有限公司' })
  @Trim()
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    example: 'bank',
    enum: INSTITUTION_KINDS,
    description: 'a bank sits under a finance department (PBOC), a tax office under a tax department',
  })
  @IsIn(INSTITUTION_KINDS)
  kind!: InstitutionKind;

  @ApiProperty({ example: 'PBOC' })
  @IsString()
  @Matches(DEPARTMENT_CODE, { message: 'must be a department code' })
  departmentCode!: string;
}

export class InstitutionDto {
  @ApiProperty({ example: '5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80', format: 'uuid' }) id!: string;
  @ApiProperty({ example: '温州银行股份有限公司' }) name!: string;
  @ApiProperty({ example: 'bank', enum: INSTITUTION_KINDS }) kind!: InstitutionKind;
  @ApiProperty({ example: 'PBOC' }) departmentCode!: string;
  @ApiProperty({ example: '2026-01-05T02:00:00.000Z' }) createdAt!: Date;
}

export class CreateApiKeyDto {
  @ApiPropertyOptional({
    maxLength: 100,
    example: '贷前审查系统',
    description: 'a name for the key, so that a list of prefixes says which is which',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label?: string;

  @ApiProperty({ enum: API_SCOPES, isArray: true, example: ['status:read', 'batch:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true, message: `each scope must be one of ${API_SCOPES.join(', ')}` })
  scopes!: ApiScope[];

  @ApiPropertyOptional({
    example: 600,
    minimum: 1,
    maximum: 1_000_000,
    default: 600,
    description: 'requests per minute before 429',
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number;
}

export class ApiKeyDto {
  @ApiProperty({
    example: 'a3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    format: 'uuid',
  })
  id!: string;
  @ApiProperty({
    example: '5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80',
    format: 'uuid',
  })
  institutionId!: string;
  @ApiProperty({ example: 'qck_1a2b3c4d5e6f', description: 'the visible start of the key' }) prefix!: string;
  @ApiPropertyOptional({ example: '贷前审查系统', description: 'the name given at issue; absent when none was' })
  label?: string;
  @ApiProperty({
    example: ['status:read', 'batch:read'],
    enum: API_SCOPES,
    isArray: true,
  })
  scopes!: ApiScope[];
  @ApiProperty({ example: 600 }) rateLimitPerMinute!: number;
  @ApiProperty({ example: '2026-01-05T02:05:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: null, nullable: true, type: Date }) revokedAt!: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'qck_1a2b3c4d5e6f_Xq7Lr2Vb9Tn4Kw8Zp3Hs6Jd1Fg5Mc0YeA2uI4oP6aS8',
    description: 'the key itself: shown this once, stored only as a hash',
  })
  key!: string;
}

export class CurrentKeyDto {
  @ApiProperty({ type: ApiKeyDto }) key!: ApiKeyDto;
  @ApiProperty({ type: InstitutionDto }) institution!: InstitutionDto;
}

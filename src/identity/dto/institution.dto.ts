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
  Min,
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
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INSTITUTION_KINDS }) kind!: InstitutionKind;
  @ApiProperty() departmentCode!: string;
  @ApiProperty() createdAt!: Date;
}

export class CreateApiKeyDto {
  @ApiProperty({ enum: API_SCOPES, isArray: true, example: ['status:read', 'batch:read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true, message: `each scope must be one of ${API_SCOPES.join(', ')}` })
  scopes!: ApiScope[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 600, description: 'requests per minute before 429' })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rateLimitPerMinute?: number;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) institutionId!: string;
  @ApiProperty({ example: 'qck_1a2b3c4d5e6f', description: 'the visible start of the key' }) prefix!: string;
  @ApiProperty({ enum: API_SCOPES, isArray: true }) scopes!: ApiScope[];
  @ApiProperty() rateLimitPerMinute!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) revokedAt!: Date | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'the key itself: shown this once, stored only as a hash' }) key!: string;
}

export class CurrentKeyDto {
  @ApiProperty({ type: ApiKeyDto }) key!: ApiKeyDto;
  @ApiProperty({ type: InstitutionDto }) institution!: InstitutionDto;
}

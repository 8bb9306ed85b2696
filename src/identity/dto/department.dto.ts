import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { DEPARTMENT_KINDS, DepartmentKind } from '../department.entity';
import { Trim } from '../../common/transforms';

export const DEPARTMENT_CODE = /^[A-Z][A-Z0-9_]{1,15}$/;
const CODE_MESSAGE = 'must be 2-16 capital letters, digits or _, starting with a letter';

export class DepartmentDto {
  @ApiProperty({ example: 'AMR' }) code!: string;
  @ApiProperty({ example: '温州市市场监督管理局' }) nameZh!: string;
  @ApiProperty({ example: 'Wenzhou Market Supervision Administration' }) nameEn!: string;
  @ApiProperty({ example: 'regulator', enum: DEPARTMENT_KINDS }) kind!: DepartmentKind;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'the department it was merged into' })
  successorCode!: string | null;
  @ApiProperty({ example: null, nullable: true, type: Date }) mergedAt!: Date | null;
}

export class CreateDepartmentDto {
  @ApiProperty({ example: 'CTB', description: 'short code, capital letters' })
  @IsString()
  @Matches(DEPARTMENT_CODE, { message: CODE_MESSAGE })
  code!: string;

  @ApiProperty({ example: '温州市文化广电旅游局' })
  @Trim()
  @IsString()
  @Length(1, 200)
  nameZh!: string;

  @ApiProperty({ example: 'Wenzhou Bureau of Culture, Radio, Television and Tourism' })
  @Trim()
  @IsString()
  @Length(1, 200)
  nameEn!: string;

  @ApiProperty({ example: 'regulator', enum: DEPARTMENT_KINDS })
  @IsIn(DEPARTMENT_KINDS)
  kind!: DepartmentKind;
}

export class UpdateDepartmentDto {
  @ApiPropertyOptional({ example: '温州市市场监督管理局' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 200)
  nameZh?: string;

  @ApiPropertyOptional({ example: 'Wenzhou Market Supervision Administration' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 200)
  nameEn?: string;

  @ApiPropertyOptional({
    example: 'regulator',
    enum: DEPARTMENT_KINDS,
    description: 'only while no user or institution belongs to it',
  })
  @IsOptional()
  @IsIn(DEPARTMENT_KINDS)
  kind?: DepartmentKind;
}

export class MergeDepartmentDto {
  @ApiProperty({ example: 'AMR', description: 'the department that takes over' })
  @IsString()
  @Matches(DEPARTMENT_CODE, { message: CODE_MESSAGE })
  successorCode!: string;
}

export class MergeResultDto {
  @ApiProperty({ type: DepartmentDto }) department!: DepartmentDto;
  @ApiProperty({ example: 14, description: 'users moved to the successor' }) usersMoved!: number;
  @ApiProperty({ example: 0, description: 'institutions (and so their API keys) moved to the successor' })
  institutionsMoved!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { UsccField } from '../uscc-field';
import { ENTERPRISE_STATUSES, EnterpriseStatus } from '../enterprise.entity';
import { Trim } from '../../common/transforms';

const DISTRICT = /^\d{6}$/;
const INDUSTRY = /^[A-T](\d{2,4})?$/;

export class CreateEnterpriseDto {
  @UsccField()
  uscc!: string;

  @ApiProperty({ example: '温州市某某阀门有限公司', maxLength: 200 })
  @Trim()
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: '330302', description: 'a district code from GET /api/v1/districts' })
  @IsString()
  @Matches(DISTRICT, { message: 'must be a 6-digit district code' })
  districtCode!: string;

  @ApiPropertyOptional({ example: 'C3443', description: 'GB/T 4754 industry: a section letter and 2-4 digits' })
  @IsOptional()
  @IsString()
  @Matches(INDUSTRY, { message: 'must be a GB/T 4754 code such as C or C3443' })
  industryCode?: string;

  @ApiPropertyOptional({ example: '张建国', maxLength: 100, description: 'personal data: masked on every public page' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  legalRepresentative?: string;

  @ApiPropertyOptional({ example: '温州市鹿城区工业路1号', maxLength: 300 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 300)
  address?: string;

  @ApiPropertyOptional({ example: '2008-05-16', format: 'date' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  registeredOn?: string;
}

export class UpdateEnterpriseDto {
  @ApiPropertyOptional({ example: '温州市鹿城阀门股份有限公司', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    example: '温州市鹿城区双屿街道工业路18号',
    maxLength: 300,
    nullable: true,
    type: String,
    description: 'null clears it',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Trim()
  @IsString()
  @Length(1, 300)
  address?: string | null;

  @ApiPropertyOptional({
    example: '李晓明',
    maxLength: 100,
    nullable: true,
    type: String,
    description: 'null clears it',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @Trim()
  @IsString()
  @Length(1, 100)
  legalRepresentative?: string | null;

  @ApiPropertyOptional({ example: 'active', enum: ENTERPRISE_STATUSES })
  @IsOptional()
  @IsIn(ENTERPRISE_STATUSES)
  status?: EnterpriseStatus;
}

export class ListEnterprisesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['A', 'B', 'C', 'D'], example: 'C', description: 'current credit grade' })
  @IsOptional()
  @IsIn(['A', 'B', 'C', 'D'])
  grade?: 'A' | 'B' | 'C' | 'D';

  @ApiPropertyOptional({ example: '鹿城阀门', description: 'a fragment of the name, or the start of a credit code' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ example: '330302' })
  @IsOptional()
  @IsString()
  @Matches(DISTRICT, { message: 'must be a 6-digit district code' })
  districtCode?: string;
}

export class EnterpriseDto {
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '温州市鹿城阀门有限公司' }) name!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: 'C3443', nullable: true, type: String }) industryCode!: string | null;
  @ApiProperty({ example: '张建国', nullable: true, type: String }) legalRepresentative!: string | null;
  @ApiProperty({ example: '温州市鹿城区工业路1号', nullable: true, type: String }) address!: string | null;
  @ApiProperty({ example: '2008-05-16', nullable: true, type: String, format: 'date' }) registeredOn!: string | null;
  @ApiProperty({ example: 'active', enum: ENTERPRISE_STATUSES }) status!: EnterpriseStatus;
  @ApiProperty({
    example: 'B',
    nullable: true,
    enum: ['A', 'B', 'C', 'D'],
    description: 'current credit grade; null until the enterprise has been classified',
  })
  grade!: 'A' | 'B' | 'C' | 'D' | null;
  @ApiProperty({ example: '2026-01-05T03:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: '2026-03-02T06:12:40.000Z' }) updatedAt!: Date;
}

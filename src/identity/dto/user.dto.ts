import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, Matches, ValidateIf } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { UsccField } from '../../registry/uscc-field';
import { USER_ROLES, UserRole } from '../../access/principal';
import { DEPARTMENT_CODE } from './department.dto';

export class CreateUserDto {
  @ApiProperty({ example: 'amr.zhang', description: '3-64 letters, digits, _ . or -' })
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'must be 3-64 letters, digits, _ . or -' })
  username!: string;

  @ApiProperty({ example: 'Lucheng-valve-2026', format: 'password', minLength: 12 })
  @IsString()
  @Length(12, 256, { message: 'must be 12 to 256 characters long' })
  password!: string;

  @ApiProperty({ example: 'regulator', enum: USER_ROLES })
  @IsIn(USER_ROLES)
  role!: UserRole;

  @ApiPropertyOptional({ example: 'AMR', description: 'regulator and reviewer: their (regulator) department' })
  @IsOptional()
  @IsString()
  @Matches(DEPARTMENT_CODE, { message: 'must be a department code' })
  departmentCode?: string;

  @ApiPropertyOptional({ example: '330302', description: 'regulator and reviewer: limits them to one district' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be a 6-digit district code' })
  districtCode?: string;

  @ApiPropertyOptional({
    example: '5f0c2a9e-8d4b-4f61-9a7e-3c1b2d4e6f80',
    format: 'uuid',
    description: 'institution users: their bank or tax office',
  })
  @IsOptional()
  @IsUUID()
  institutionId?: string;

  @ApiPropertyOptional({ description: 'enterprise users: the one enterprise they act for' })
  @IsOptional()
  @UsccField()
  uscc?: string;
}

/**
 * What an administrator may change about a user; at least one field. `uscc` binds an enterprise user to another enterprise. `disabled` and `password`
 * may be left out but not null (null is no password, nor a standing); `districtCode` null lifts the limit.
 */
export class UpdateUserDto {
  @ApiPropertyOptional({
    example: true,
    description: 'true: the user cannot log in and every token of theirs fails at once',
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({
    example: 'New-passphrase-2026',
    format: 'password',
    minLength: 12,
    description: "a new password; ends the user's tokens",
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @Length(12, 256, { message: 'must be 12 to 256 characters long' })
  password?: string;

  @ApiPropertyOptional({
    example: '330302',
    nullable: true,
    type: String,
    description: 'regulator and reviewer: limits them to one district; null lifts the limit',
  })
  @ValidateIf((_, v) => v !== null && v !== undefined)
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be a 6-digit district code' })
  districtCode?: string | null;

  @ApiPropertyOptional({ description: 'enterprise users: bind them to this (registered) enterprise instead' })
  @IsOptional()
  @UsccField()
  uscc?: string;
}

export class UserDto {
  @ApiProperty({ example: '0d6a4c52-7e1f-4b8a-9c3d-2f5e6a7b8c90', format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'amr.zhang' }) username!: string;
  @ApiProperty({ example: 'regulator', enum: USER_ROLES }) role!: UserRole;
  @ApiProperty({ example: 'AMR', nullable: true, type: String }) departmentCode!: string | null;
  @ApiProperty({ example: '330302', nullable: true, type: String }) districtCode!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) institutionId!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) uscc!: string | null;
  @ApiProperty({ example: false }) disabled!: boolean;
  @ApiProperty({ example: '2026-01-05T01:30:00.000Z' }) createdAt!: Date;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: USER_ROLES, example: 'regulator' })
  @IsOptional()
  @IsIn(USER_ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ example: 'AMR' })
  @IsOptional()
  @IsString()
  @Matches(DEPARTMENT_CODE, { message: 'must be a department code' })
  departmentCode?: string;
}

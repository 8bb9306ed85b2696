import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { USER_ROLES, UserRole } from '../../access/principal';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'admin-password-2024', format: 'password' })
  @IsString()
  @Length(1, 256)
  password!: string;
}

export class LoginUserDto {
  @ApiProperty({ example: 'amr.zhang' }) username!: string;
  @ApiProperty({ example: 'regulator', enum: USER_ROLES }) role!: UserRole;
  @ApiProperty({ example: 'AMR', nullable: true, type: String }) departmentCode!: string | null;
}

export class LoginResultDto {
  @ApiProperty({
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbXIuemhhbmciLCJyb2xlIjoicmVndWxhdG9yIn0.c2lnbmF0dXJl',
  })
  accessToken!: string;
  @ApiProperty({ example: 'Bearer', enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ example: 900, description: 'seconds until the token expires' }) expiresIn!: number;
  @ApiProperty({ type: LoginUserDto }) user!: LoginUserDto;
}

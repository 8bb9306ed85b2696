import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { Trim } from '../../common/transforms';

export class CreateAllowListEntryDto {
  @ApiProperty({ example: '91330300MA2AXXXXX1', description: 'a legacy code that fails a check character' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @IsString()
  @Matches(/^[0-9A-HJ-NPQRTUWXY]{18}$/, { message: 'must be 18 characters from the credit-code alphabet' })
  uscc!: string;

  @ApiProperty({
    example:
      'Issued in 2016 by the Lucheng registry with a wrong check character; confirmed by letter 温市监〔2016〕12号',
  })
  @Trim()
  @IsString()
  @Length(5, 1000)
  reason!: string;
}

export class AllowListEntryDto {
  @ApiProperty({ example: '91330300MA2AXXXXX1' }) uscc!: string;
  @ApiProperty({
    example:
      'Issued in 2016 by the Lucheng registry with a wrong check character; confirmed by letter 温市监〔2016〕12号',
  })
  reason!: string;
  @ApiProperty({ example: '0d6a4c52-7e1f-4b8a-9c3d-2f5e6a7b8c90', nullable: true, type: String, format: 'uuid' })
  createdBy!: string | null;
  @ApiProperty({ example: '2026-01-06T01:00:00.000Z' }) createdAt!: Date;
}

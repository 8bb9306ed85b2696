import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { ToInteger, Trim } from '../../common/transforms';

export class CalendarQuery {
  @ApiPropertyOptional({ example: 2026, description: 'one year; all years when absent' })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
}

export class SetCalendarDayDto {
  @ApiProperty({
    example: false,
    description: 'false: a weekday off (a public holiday); true: a Saturday or Sunday worked in exchange (调休)',
  })
  @IsBoolean()
  working!: boolean;

  @ApiProperty({ example: '春节 Spring Festival' })
  @Trim()
  @IsString()
  @Length(1, 200)
  name!: string;
}

export class CalendarDayDto {
  @ApiProperty({ example: '2026-02-16', format: 'date' }) date!: string;
  @ApiProperty({ example: false }) working!: boolean;
  @ApiProperty({ example: '春节 Spring Festival' }) name!: string;
}

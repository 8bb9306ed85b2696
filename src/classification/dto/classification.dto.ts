import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { GRADES, Grade } from '../rule-set';

export class ClassificationQuery {
  @ApiPropertyOptional({
    format: 'date-time',
    example: '2026-01-01T00:00:00+08:00',
    description: 'the grade at this time (from the history)',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class FactorDto {
  @ApiProperty({ example: 'record.spot_check_fail' }) code!: string;
  @ApiProperty({ example: '监督抽查不合格 1 次 (1 failed spot check)' }) description!: string;
  @ApiProperty({ example: -10, description: 'points added to (or taken from) the score; 0 for a hard rule' })
  points!: number;
  @ApiProperty({ example: ['1042'], type: [String], description: 'the records (or blacklist entries) behind it' })
  recordIds!: string[];
}

export class ClassificationDto {
  @ApiProperty({ example: 'B', enum: GRADES }) grade!: Grade;
  @ApiProperty({ example: 82 }) score!: number;
  @ApiProperty({ example: 1 }) ruleSetVersion!: number;
  @ApiProperty({ type: [FactorDto] }) factors!: FactorDto[];
  @ApiProperty({ example: '2026-03-16T02:20:05.000Z' }) computedAt!: Date;
}

export class ClassificationIntervalDto {
  @ApiProperty({ example: 'B', enum: GRADES }) grade!: Grade;
  @ApiProperty({ example: '2026-03-16T02:20:05.000Z' }) validFrom!: Date;
  @ApiProperty({ example: null, nullable: true, type: Date }) validTo!: Date | null;
  @ApiProperty({ example: 1 }) ruleSetVersion!: number;
  @ApiProperty({ example: 82 }) score!: number;
}

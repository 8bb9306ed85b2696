import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { GRADES, Grade } from '../rule-set';

export class ClassificationQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'the grade at this time (from the history)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

export class FactorDto {
  @ApiProperty({ example: 'record.spot_check_fail' }) code!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'points added to (or taken from) the score; 0 for a hard rule' }) points!: number;
  @ApiProperty({ type: [String], description: 'the records (or blacklist entries) behind it' }) recordIds!: string[];
}

export class ClassificationDto {
  @ApiProperty({ enum: GRADES }) grade!: Grade;
  @ApiProperty() score!: number;
  @ApiProperty() ruleSetVersion!: number;
  @ApiProperty({ type: [FactorDto] }) factors!: FactorDto[];
  @ApiProperty() computedAt!: Date;
}

export class ClassificationIntervalDto {
  @ApiProperty({ enum: GRADES }) grade!: Grade;
  @ApiProperty() validFrom!: Date;
  @ApiProperty({ nullable: true, type: Date }) validTo!: Date | null;
  @ApiProperty() ruleSetVersion!: number;
  @ApiProperty() score!: number;
}

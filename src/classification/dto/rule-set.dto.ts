import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

export class CreateRuleSetDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'the standard: name, baseScore, records, decay, thresholds, hardRules (see docs/classification.md and config/rule-sets/v1.json)',
  })
  @IsObject()
  document!: Record<string, unknown>;
}

export class RuleSetDto {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: ['draft', 'active', 'retired'] }) status!: 'draft' | 'active' | 'retired';
  @ApiProperty({ type: 'object', additionalProperties: true }) document!: Record<string, unknown>;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) activatedAt!: Date | null;
}

export class JobStartedDto {
  @ApiProperty({ description: 'follow it with GET /api/v1/jobs/{jobId}' }) jobId!: string;
}

export class JobDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'stuck'] }) state!: string;
  @ApiProperty({ description: 'percent' }) progress!: number;
  @ApiProperty({ required: false, type: Object }) result?: unknown;
  @ApiProperty({ required: false }) failedReason?: string;
}

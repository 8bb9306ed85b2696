import { ApiProperty } from '@nestjs/swagger';
import { IsObject } from 'class-validator';

export class CreateRuleSetDto {
  @ApiProperty({
    example: { name: '温州市企业质量信用分类标准（2026 版）', baseScore: 90 },
    type: 'object',
    additionalProperties: true,
    description:
      'the standard: name, baseScore, records, decay, thresholds, hardRules (see docs/classification.md and config/rule-sets/v1.json)',
  })
  @IsObject()
  document!: Record<string, unknown>;
}

export class RuleSetDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({ example: 'draft', enum: ['draft', 'active', 'retired'] }) status!: 'draft' | 'active' | 'retired';
  @ApiProperty({
    example: { name: '温州市企业质量信用分类标准（2026 版）', baseScore: 90 },
    type: 'object',
    additionalProperties: true,
  })
  document!: Record<string, unknown>;
  @ApiProperty({ example: '2026-02-01T02:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({ example: null, nullable: true, type: Date }) activatedAt!: Date | null;
}

export class JobStartedDto {
  @ApiProperty({ example: '42', description: 'follow it with GET /api/v1/jobs/{jobId}' }) jobId!: string;
}

export class JobDto {
  @ApiProperty({ example: '42' }) id!: string;
  @ApiProperty({ example: 'recompute' }) name!: string;
  @ApiProperty({
    example: 'completed',
    enum: ['waiting', 'active', 'completed', 'failed', 'delayed', 'paused', 'stuck'],
  })
  state!: string;
  @ApiProperty({ example: 100, description: 'percent' }) progress!: number;
  @ApiProperty({ example: { graded: 48213 }, required: false, type: Object }) result?: unknown;
  @ApiProperty({ example: 'Rule set 3 is not a draft', required: false }) failedReason?: string;
}

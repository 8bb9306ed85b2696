import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_SEQ } from '../../common/pagination';
import { CHANGE_EVENT_TYPES, ChangeEventType } from '../../outbox/outbox.repository';
import { ToInteger } from '../../common/transforms';

export const FEED_SCOPES = ['all', 'watchlist'] as const;
export const MAX_FEED_LIMIT = 1_000;

export class FeedQuery {
  @ApiPropertyOptional({
    type: 'integer',
    example: 1042,
    minimum: 0,
    maximum: MAX_SEQ,
    default: 0,
    description: 'the last seq seen; events after it are returned',
  })
  @ToInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_SEQ)
  after = 0;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_FEED_LIMIT, default: 100, example: 100 })
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_FEED_LIMIT)
  limit = 100;

  @ApiPropertyOptional({
    enum: FEED_SCOPES,
    default: 'all',
    example: 'watchlist',
    description: "watchlist: the institution's codes only",
  })
  @IsOptional()
  @IsIn(FEED_SCOPES)
  scope: (typeof FEED_SCOPES)[number] = 'all';
}

export class FeedEventDto {
  @ApiProperty({ example: 1042 }) seq!: number;
  @ApiProperty({
    example: '6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c',
    format: 'uuid',
    description: 'stable: the same event always has the same id',
  })
  id!: string;
  @ApiProperty({ example: 'blacklist.published', enum: CHANGE_EVENT_TYPES }) type!: ChangeEventType;
  @ApiProperty({ example: '91330100799655058B' }) uscc!: string;
  @ApiProperty({ example: '2026-03-20T01:00:00.000Z' }) occurredAt!: Date;
  @ApiProperty({
    example: {
      entryId: '12',
      reasonCode: 'substandard_products',
      publishedAt: '2026-03-20T01:00:00.000Z',
      expiresAt: '2029-03-20T16:00:00.000Z',
    },
    type: 'object',
    additionalProperties: true,
  })
  data!: Record<string, unknown>;
}

export class FeedDto {
  @ApiProperty({ type: [FeedEventDto], description: 'ascending seq' }) events!: FeedEventDto[];
  @ApiProperty({
    example: 1042,
    description:
      'pass as `after` next time: every event up to it has been shown (or, with scope=watchlist, filtered out)',
  })
  nextAfter!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MAX_SEQ, PageQuery } from '../../../common/pagination';
import { CHANGE_EVENT_TYPES, ChangeEventType } from '../../../outbox/outbox.repository';
import { FEED_SCOPES } from '../../dto/feed.dto';
import { ToInteger } from '../../../common/transforms';

/** A subscription's scope: the same choice as the pull feed's. */
export type WebhookScope = (typeof FEED_SCOPES)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://partner.example.com/hooks/quality-credit',
    description: 'http or https; must resolve to public addresses only (unless WEBHOOK_ALLOW_PRIVATE)',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: CHANGE_EVENT_TYPES, isArray: true, example: ['blacklist.published', 'blacklist.removed'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CHANGE_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(CHANGE_EVENT_TYPES, { each: true })
  events!: ChangeEventType[];

  @ApiProperty({
    example: 'whsec-wzbank-9f8e7d6c5b4a39281706',
    minLength: 16,
    maxLength: 256,
    writeOnly: true,
    description: 'signs every request (X-Signature); kept encrypted, never shown again',
  })
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret!: string;

  @ApiPropertyOptional({
    example: 'watchlist',
    enum: FEED_SCOPES,
    default: 'all',
    description: "watchlist: the institution's codes only",
  })
  @IsOptional()
  @IsIn(FEED_SCOPES)
  scope: WebhookScope = 'all';
}

export class WebhookDto {
  @ApiProperty({ example: 'e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0', format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://partner.example.com/hooks/quality-credit' }) url!: string;
  @ApiProperty({ example: ['blacklist.published', 'blacklist.removed'], enum: CHANGE_EVENT_TYPES, isArray: true })
  events!: ChangeEventType[];
  @ApiProperty({ example: 'watchlist', enum: FEED_SCOPES }) scope!: WebhookScope;
  @ApiProperty({
    example: 1042,
    description: 'the last outbox seq taken into deliveries; later events are still to come',
  })
  cursor!: number;
  @ApiProperty({ example: 0, description: 'deliveries not yet made (the first one holds back the others)' })
  pending!: number;
  @ApiProperty({ example: '2026-03-01T08:10:00.000Z' }) createdAt!: Date;
}

export class ReplayDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_SEQ,
    example: 1,
    description: 'deliver again every wanted event from this seq on',
  })
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  fromSeq!: number;
}

export class ReplayAcceptedDto {
  @ApiProperty({ example: 1000 }) fromSeq!: number;
  @ApiProperty({
    example: 0,
    description: 'pending deliveries that the replay replaced (they are made again from the outbox)',
  })
  cancelled!: number;
}

export class DeliveriesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, example: 'dead' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class DeliveryAttemptDto {
  @ApiProperty({ example: '2026-03-20T01:00:02.000Z' }) at!: Date;
  @ApiProperty({ example: 200, nullable: true, type: Number, description: "the receiver's answer, if any" })
  statusCode!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) error!: string | null;
  @ApiProperty({ example: 84 }) durationMs!: number;
}

export class DeliveryDto {
  @ApiProperty({ example: 3071 }) id!: number;
  @ApiProperty({
    example: '6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c',
    format: 'uuid',
    description: 'X-Event-Id: the same for every attempt and replay',
  })
  eventId!: string;
  @ApiProperty({ example: 1042 }) eventSeq!: number;
  @ApiProperty({ example: 'blacklist.published', enum: CHANGE_EVENT_TYPES }) eventType!: ChangeEventType;
  @ApiProperty({
    example: 'delivered',
    enum: DELIVERY_STATUSES,
    description: 'dead: still failing a day after the first attempt',
  })
  status!: DeliveryStatus;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ example: 200, nullable: true, type: Number }) lastStatusCode!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ example: '2026-03-20T01:00:01.000Z' }) createdAt!: Date;
  @ApiProperty({ example: null, nullable: true, type: Date, description: 'when a pending delivery is tried next' })
  nextAttemptAt!: Date | null;
  @ApiProperty({ example: '2026-03-20T01:00:02.000Z', nullable: true, type: Date }) finishedAt!: Date | null;
  @ApiProperty({ type: [DeliveryAttemptDto] }) attemptLog!: DeliveryAttemptDto[];
}

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

  @ApiPropertyOptional({
    minLength: 16,
    maxLength: 256,
    writeOnly: true,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'signs every request (webhook-signature, and the deprecated X-Signature); kept encrypted, never shown again. ' +
      'Leave it out and the registry makes one (`whsec_` + base64 of 32 random bytes) and returns it once in the answer. ' +
      'A `whsec_` secret must hold 24–64 bytes of base64; any other text (16–256 characters) signs as its UTF-8 bytes.',
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret?: string;

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
  @ApiProperty({ format: 'uuid', example: 'e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0' }) id!: string;
  @ApiProperty({ example: 'https://partner.example.com/hooks/quality-credit' }) url!: string;
  @ApiProperty({ enum: CHANGE_EVENT_TYPES, isArray: true, example: ['blacklist.published', 'blacklist.removed'] })
  events!: ChangeEventType[];
  @ApiProperty({ enum: FEED_SCOPES, example: 'all' }) scope!: WebhookScope;
  @ApiProperty({
    example: 1042,
    description: 'the last outbox seq taken into deliveries; later events are still to come',
  })
  cursor!: number;
  @ApiProperty({ example: 0, description: 'deliveries not yet made (the first one holds back the others)' })
  pending!: number;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({
    nullable: true,
    type: Date,
    example: null,
    description: 'while a rotated secret is still signing beside the new one: until when (else null)',
  })
  previousSecretValidUntil!: Date | null;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiPropertyOptional({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'only when the registry made the secret: shown this once, keep it (`new Webhook(secret)` verifies with it)',
  })
  secret?: string;
}

export const MAX_OVERLAP_HOURS = 168;

export class RotateSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_OVERLAP_HOURS,
    default: 24,
    example: 24,
    description: 'hours during which the previous secret still signs beside the new one (0: it stops at once)',
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_OVERLAP_HOURS)
  overlapHours: number = 24;
}

export class RotatedSecretDto {
  @ApiProperty({
    example: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD3PwYUNPiW2w=',
    description: 'the new secret, shown this once; every delivery from now on is signed with it',
  })
  secret!: string;
  @ApiProperty({
    nullable: true,
    type: Date,
    example: '2026-03-03T02:00:00.000Z',
    description: 'until when the previous secret also signs (a second v1 signature); null with an overlap of 0',
  })
  previousSecretValidUntil!: Date | null;
}

export class PingAcceptedDto {
  @ApiProperty({ example: 5120, description: 'the ping delivery, listed among the deliveries (eventType ping)' })
  deliveryId!: number;
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
  @ApiProperty({ example: 1 }) fromSeq!: number;
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

/** What a delivery carries: a change event from the outbox, or a ping (no seq, moves no cursor). */
export const DELIVERY_EVENT_TYPES = [...CHANGE_EVENT_TYPES, 'ping'] as const;
export type DeliveryEventType = (typeof DELIVERY_EVENT_TYPES)[number];

export class DeliveryAttemptDto {
  @ApiProperty({ example: '2026-03-02T02:00:01.000Z' }) at!: Date;
  @ApiProperty({ nullable: true, type: Number, example: 200, description: "the receiver's answer, if any" })
  statusCode!: number | null;
  @ApiProperty({ nullable: true, type: String, example: null }) error!: string | null;
  @ApiProperty({ example: 42, description: 'response time: from sending to the end of the answer, in ms' })
  durationMs!: number;
}

export class DeliveryDto {
  @ApiProperty({ example: 5120 }) id!: number;
  @ApiProperty({
    format: 'uuid',
    example: '7d4e2c1a-93b0-4f57-8f1e-2b6f0d5a9c33',
    description: 'webhook-id (and the deprecated X-Event-Id): the same for every attempt and replay',
  })
  eventId!: string;
  @ApiProperty({ nullable: true, type: Number, example: 1043, description: 'null for a ping' })
  eventSeq!: number | null;
  @ApiProperty({ enum: DELIVERY_EVENT_TYPES, example: 'blacklist.published' }) eventType!: DeliveryEventType;
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    example: 'delivered',
    description: 'dead: still failing WEBHOOK_RETRY_HOURS (default 24) after the first attempt',
  })
  status!: DeliveryStatus;
  @ApiProperty({ example: 1 }) attempts!: number;
  @ApiProperty({ nullable: true, type: Number, example: 200, description: "the last attempt's response code" })
  lastStatusCode!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 42, description: "the last attempt's response time in ms" })
  lastDurationMs!: number | null;
  @ApiProperty({ nullable: true, type: Date, example: '2026-03-02T02:00:01.000Z' }) lastAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: String, example: null }) lastError!: string | null;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) createdAt!: Date;
  @ApiProperty({
    nullable: true,
    type: Date,
    example: null,
    description: 'when a pending delivery is tried next',
  })
  nextAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, example: '2026-03-02T02:00:01.000Z' }) finishedAt!: Date | null;
  @ApiProperty({ type: [DeliveryAttemptDto] }) attemptLog!: DeliveryAttemptDto[];
}

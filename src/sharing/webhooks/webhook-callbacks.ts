import { ApiProperty } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { CallbackObject, ParameterObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { REMOVAL_REASONS } from '../../blacklist/blacklist-states';
import { REASON_CODES } from '../../blacklist/dto/blacklist.dto';
import { GRADES } from '../../classification/rule-set';
import { RECORD_TYPES } from '../../records/record-rules';

/*
 * What a receiver gets: one POST per delivery with a JSON body and the headers below. The
 * document describes it as `callbacks` on POST /api/v1/webhooks (the document is OpenAPI 3.0, which
 * has no top-level `webhooks`), one per event type, so a generated client or a reader finds each
 * body's schema.
 */

class BlacklistPublishedData {
  @ApiProperty({ format: 'uuid', example: '5b1c8a9e-0d2f-4c61-9f0e-8a7d6c5b4a39' }) entryId!: string;
  @ApiProperty({ enum: REASON_CODES, example: REASON_CODES[0] }) reasonCode!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) publishedAt!: Date;
  @ApiProperty({ example: '2029-03-02T02:00:00.000Z' }) expiresAt!: Date;
  @ApiProperty({ example: 36 }) periodMonths!: number;
}

class BlacklistRemovedData {
  @ApiProperty({ format: 'uuid', example: '5b1c8a9e-0d2f-4c61-9f0e-8a7d6c5b4a39' }) entryId!: string;
  @ApiProperty({ enum: REASON_CODES, example: REASON_CODES[0] }) reasonCode!: string;
  @ApiProperty({ example: '330302' }) districtCode!: string;
  @ApiProperty({ enum: REMOVAL_REASONS, example: 'repaired' }) removalReason!: string;
  @ApiProperty({ example: '2027-03-02T02:00:00.000Z' }) removedAt!: Date;
  @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) publishedAt!: Date;
}

class ClassificationChangedData {
  @ApiProperty({ enum: GRADES, nullable: true, example: 'B', description: 'null for a first grade' }) from!:
    string | null;
  @ApiProperty({ enum: GRADES, example: 'C' }) to!: string;
  @ApiProperty({ example: 68 }) score!: number;
  @ApiProperty({ example: 1 }) ruleSetVersion!: number;
}

class RecordRetractedData {
  @ApiProperty({ format: 'uuid', example: '2c9d7b1e-6f3a-4e8b-a0d1-9e8f7c6b5a43' }) recordId!: string;
  @ApiProperty({ format: 'uuid', example: '8e7f6d5c-4b3a-4921-b0c1-d2e3f4a5b6c7', description: 'the correction' })
  correctedBy!: string;
  @ApiProperty({ enum: ['withdraw', 'amend'], example: 'withdraw' }) action!: string;
  @ApiProperty({ enum: RECORD_TYPES, example: RECORD_TYPES[0] }) type!: string;
  @ApiProperty({ example: '温市监罚〔2026〕12号' }) documentNo!: string;
  @ApiProperty({ example: 'SAMR' }) departmentCode!: string;
}

class PingData {
  @ApiProperty({ format: 'uuid', example: 'e4d3c2b1-a0f9-4e8d-b7c6-a5f4e3d2c1b0', description: 'the subscription' })
  webhookId!: string;
}

function eventBody(type: string, data: new () => object, ping = false) {
  class Body {
    @ApiProperty({
      format: 'uuid',
      example: '7d4e2c1a-93b0-4f57-8f1e-2b6f0d5a9c33',
      description: 'the webhook-id header',
    })
    id!: string;
    @ApiProperty(
      ping
        ? { type: Number, nullable: true, example: null, description: 'always null: a ping is no outbox event' }
        : { example: 1043, description: "the event's place in the outbox (the pull feed's seq)" },
    )
    seq!: number | null;
    @ApiProperty({ enum: [type], example: type }) type!: string;
    @ApiProperty(
      ping
        ? { type: String, nullable: true, example: null }
        : { example: '91330100799655058B', description: "the enterprise's unified social credit code" },
    )
    uscc!: string | null;
    @ApiProperty({ example: '2026-03-02T02:00:00.000Z' }) occurredAt!: Date;
    @ApiProperty({ type: data }) data!: object;
  }
  return Body;
}

/** One body class per event type, named as it appears in components/schemas. */
export const WEBHOOK_EVENT_BODIES = {
  'blacklist.published': eventBody('blacklist.published', BlacklistPublishedData),
  'blacklist.removed': eventBody('blacklist.removed', BlacklistRemovedData),
  'classification.changed': eventBody('classification.changed', ClassificationChangedData),
  'record.retracted': eventBody('record.retracted', RecordRetractedData),
  ping: eventBody('ping', PingData, true),
};
for (const [type, body] of Object.entries(WEBHOOK_EVENT_BODIES)) {
  const name = type.replace(/(^|\.)(\w)/g, (_, _dot: string, c: string) => c.toUpperCase());
  Object.defineProperty(body, 'name', { value: `Webhook${name}Event` });
}
for (const data of [
  BlacklistPublishedData,
  BlacklistRemovedData,
  ClassificationChangedData,
  RecordRetractedData,
  PingData,
]) {
  Object.defineProperty(data, 'name', { value: `Webhook${data.name}` });
}

const header = (name: string, description: string, example: string, extra: Partial<ParameterObject> = {}) =>
  ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string', example },
    ...extra,
  }) as ParameterObject;

/** The headers of every delivery, as the callbacks list them. */
export const DELIVERY_HEADERS: ParameterObject[] = [
  header(
    'webhook-id',
    "the delivery's message id: the same on every retry and replay (the event id; a new id for each ping)",
    '7d4e2c1a-93b0-4f57-8f1e-2b6f0d5a9c33',
  ),
  header(
    'webhook-timestamp',
    'unix seconds of this attempt (receivers refuse one more than 5 minutes from their clock)',
    '1772416801',
  ),
  header(
    'webhook-signature',
    'Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body">`, one per secret ' +
      "signing now (two during a rotation's overlap). Key: the bytes after `whsec_` base64-decoded, or the UTF-8 bytes of " +
      'a secret without that prefix. `new Webhook(secret).verify(body, headers)` from the standardwebhooks package checks it.',
    'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,3kP0yF1tLhX0rjwU9tq1m2bS8wC9gO0XqH7iYzPj5Zc=',
  ),
  header('x-event-id', 'the same as webhook-id', '7d4e2c1a-93b0-4f57-8f1e-2b6f0d5a9c33'),
  header('x-event-seq', "the event's seq (absent on a ping)", '1043', { required: false }),
  header('x-event-type', "the body's type", 'blacklist.published'),
  header(
    'x-signature',
    "Deprecated (removed in the next release): `sha256=<hex HMAC-SHA256 of the body>` with the current secret's text as key; verify webhook-signature instead",
    'sha256=9c1b5f0e2d7a4c3b8e6f1a0d9c8b7a6e5f4d3c2b1a0e9f8d7c6b5a4e3f2d1c0b',
    { deprecated: true },
  ),
];

/** Adds to POST /api/v1/webhooks a callback per event type: its body, its headers, the answers it expects. */
export function describeWebhookCallbacks(document: OpenAPIObject): OpenAPIObject {
  const create = document.paths['/api/v1/webhooks']?.post;
  if (!create) return document;
  const callbacks: Record<string, CallbackObject> = {};
  for (const [type, body] of Object.entries(WEBHOOK_EVENT_BODIES)) {
    callbacks[type] = {
      '{$request.body#/url}': {
        post: {
          operationId: `receive${body.name.replace(/^Webhook/, '')}`,
          summary: type === 'ping' ? 'A test sent by POST /webhooks/{id}/ping' : `A ${type} event`,
          description:
            'Answer 2xx within 10 s to acknowledge; anything else (other codes, redirects, no answer) is retried with ' +
            'exponential back-off from WEBHOOK_RETRY_BASE_MS (10 s) doubling up to an hour, with jitter, until ' +
            "WEBHOOK_RETRY_HOURS (24 h) after the first attempt; then the delivery is dead. A subscription's " +
            'deliveries go in seq order: a failing one holds back the later ones. Deliveries are at least once: ' +
            'deduplicate on webhook-id.',
          parameters: DELIVERY_HEADERS,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: `#/components/schemas/${body.name}` } } },
          },
          responses: {
            '2XX': { description: 'accepted: delivered' },
            default: { description: 'not accepted: the delivery is retried' },
          },
        },
      },
    };
  }
  create.callbacks = callbacks;
  return document;
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChangeEventType } from '../../outbox/outbox.repository';
import { DeliveryDto, DeliveryEventType, DeliveryStatus } from './dto/webhook.dto';

/**
 * What a delivery's body says: an outbox event (events stay in the outbox for good), or a ping,
 * which has no seq nor code and says which subscription it tests.
 */
export interface WebhookMessage {
  id: string;
  seq: number | null;
  type: DeliveryEventType;
  uscc: string | null;
  occurredAt: Date;
  data: Record<string, unknown>;
}

/** The body of every attempt of a delivery: the same bytes each time, so its signature covers them. */
export function messageBody(m: WebhookMessage): string {
  return JSON.stringify({ id: m.id, seq: m.seq, type: m.type, uscc: m.uscc, occurredAt: m.occurredAt, data: m.data });
}

/** A subscription's oldest pending delivery, as its dispatcher sends it. */
export interface PendingDelivery {
  id: string;
  attempts: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date;
  message: WebhookMessage;
}

/** One attempt's outcome, as recorded on its delivery. */
export interface AttemptOutcome {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** The delivery's status after it: `pending` again (with `next`), `delivered` or `dead`. */
  status: DeliveryStatus;
  next: Date | null;
  finishedAt: Date;
}

type DeliveryRow = Omit<DeliveryDto, 'id' | 'eventSeq' | 'attemptLog'> & {
  id: string;
  eventSeq: string | null;
  attemptLog: (Omit<DeliveryDto['attemptLog'][number], 'at'> & { at: string })[];
};

/** Webhook deliveries (webhook_deliveries): each subscription's queue of events to send, and the log of attempts. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async count(subscriptionId: string, status: DeliveryStatus | null): Promise<number> {
    const [{ total }]: { total: number }[] = await this.db.query(
      `SELECT count(*)::int AS total FROM webhook_deliveries d WHERE d.subscription_id = $1 ${filter(status)}`,
      [subscriptionId, status],
    );
    return total;
  }

  /** A page of a subscription's deliveries, newest first. */
  async page(
    subscriptionId: string,
    status: DeliveryStatus | null,
    limit: number,
    offset: number,
  ): Promise<DeliveryDto[]> {
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT d.id::text, d.event_id AS "eventId", d.event_seq::text AS "eventSeq", d.event_type AS "eventType",
              d.status, d.attempts, d.last_status_code AS "lastStatusCode",
              (d.attempt_log -> -1 ->> 'durationMs')::int AS "lastDurationMs",
              (d.attempt_log -> -1 ->> 'at')::timestamptz AS "lastAttemptAt", d.last_error AS "lastError",
              d.created_at AS "createdAt", d.next_attempt_at AS "nextAttemptAt", d.finished_at AS "finishedAt",
              d.attempt_log AS "attemptLog"
         FROM webhook_deliveries d WHERE d.subscription_id = $1 ${filter(status)}
        ORDER BY d.id DESC LIMIT $3 OFFSET $4`,
      [subscriptionId, status, limit, offset],
    );
    return rows.map((r) => ({
      ...r,
      id: Number(r.id),
      eventSeq: r.eventSeq === null ? null : Number(r.eventSeq),
      attemptLog: r.attemptLog.map((a) => ({ ...a, at: new Date(a.at) })),
    }));
  }

  /** The subscription's oldest pending delivery, with its event from the outbox's published view (none for a ping). */
  async head(subscriptionId: string): Promise<PendingDelivery | undefined> {
    type HeadRow = Omit<PendingDelivery, 'message'> & {
      event_id: string;
      event_seq: string | null;
      event_type: DeliveryEventType;
      created_at: Date;
      uscc: string | null;
      occurredAt: Date | null;
      data: Record<string, unknown> | null;
    };
    const [head]: HeadRow[] = await this.db.query(
      `SELECT d.id::text, d.attempts, d.first_attempt_at, d.next_attempt_at, d.event_seq::text, d.event_id,
              d.event_type, d.created_at, e.uscc, e.occurred_at AS "occurredAt", e.data
         FROM webhook_deliveries d LEFT JOIN outbox_events e ON e.seq = d.event_seq
        WHERE d.subscription_id = $1 AND d.status = 'pending'
        -- A ping first: it has no place in the events' order, and must not wait behind one in back-off.
        ORDER BY (d.event_seq IS NULL) DESC, d.id LIMIT 1`,
      [subscriptionId],
    );
    if (!head) return undefined;
    const { event_id, event_seq, event_type, created_at, uscc, occurredAt, data, ...delivery } = head;
    const message: WebhookMessage =
      event_seq === null
        ? {
            id: event_id,
            seq: null,
            type: 'ping',
            uscc: null,
            occurredAt: created_at,
            data: { webhookId: subscriptionId },
          }
        : { id: event_id, seq: Number(event_seq), type: event_type, uscc, occurredAt: occurredAt!, data: data ?? {} };
    return { ...delivery, message };
  }

  /** Whether a ping of this subscription still waits to be tried. */
  async pingPending(manager: EntityManager, subscriptionId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending' AND event_type = 'ping' LIMIT 1`,
      [subscriptionId],
    );
    return rows.length > 0;
  }

  /** Queues a ping, due at `now` (sent ahead of the pending events); returns its id. */
  async addPing(manager: EntityManager, subscriptionId: string, eventId: string, now: Date): Promise<number> {
    const [{ id }]: { id: string }[] = await manager.query(
      `INSERT INTO webhook_deliveries (subscription_id, event_seq, event_id, event_type, status, created_at, next_attempt_at)
       VALUES ($1, NULL, $2, 'ping', 'pending', $3, $3) RETURNING id::text`,
      [subscriptionId, eventId, now],
    );
    return Number(id);
  }

  /** Queues the events as pending deliveries, due at `now`, in the order given. */
  async addPending(
    manager: EntityManager,
    subscriptionId: string,
    events: { seq: number; id: string; type: ChangeEventType }[],
    now: Date,
  ): Promise<void> {
    if (!events.length) return;
    await manager.query(
      `INSERT INTO webhook_deliveries (subscription_id, event_seq, event_id, event_type, status, created_at, next_attempt_at)
       SELECT $1, e.seq, e.id, e.type, 'pending', $5, $5
         FROM unnest($2::bigint[], $3::uuid[], $4::text[]) WITH ORDINALITY AS e(seq, id, type, n) ORDER BY n`,
      [subscriptionId, events.map((e) => e.seq), events.map((e) => e.id), events.map((e) => e.type), now],
    );
  }

  /**
   * Records an attempt on a delivery. A replay or deletion meanwhile has cancelled the delivery:
   * its outcome is then only logged.
   */
  async recordAttempt(id: string, o: AttemptOutcome): Promise<void> {
    const logged = JSON.stringify([{ at: o.at, statusCode: o.statusCode, error: o.error, durationMs: o.durationMs }]);
    await this.db.query(
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, attempt_log = attempt_log || $2::jsonb, last_status_code = $3, last_error = $4,
              first_attempt_at = coalesce(first_attempt_at, $5),
              status = CASE WHEN status = 'pending' THEN $6 ELSE status END,
              next_attempt_at = CASE WHEN status = 'pending' THEN $7::timestamptz END,
              finished_at = CASE WHEN status = 'pending' AND $6 <> 'pending' THEN $8::timestamptz ELSE finished_at END
        WHERE id = $1`,
      [id, logged, o.statusCode, o.error, o.at, o.status, o.next, o.finishedAt],
    );
  }

  /** Pending deliveries never tried go; tried ones stay in the log as cancelled. Returns how many. */
  async cancelPending(manager: EntityManager, subscriptionId: string, now: Date): Promise<number> {
    const [, untried]: [unknown, number] = await manager.query(
      `DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending' AND attempts = 0`,
      [subscriptionId],
    );
    const [, tried]: [unknown, number] = await manager.query(
      `UPDATE webhook_deliveries SET status = 'cancelled', finished_at = $2, next_attempt_at = NULL
        WHERE subscription_id = $1 AND status = 'pending'`,
      [subscriptionId, now],
    );
    return untried + tried;
  }
}

/** The status filter on $2 (null for every status). */
function filter(status: DeliveryStatus | null): string {
  return status ? `AND d.status = $2` : `AND $2::text IS NULL`;
}

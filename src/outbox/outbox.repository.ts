import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export const CHANGE_EVENT_TYPES = [
  'classification.changed',
  'blacklist.published',
  'blacklist.removed',
  'record.retracted',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

export interface ChangeEvent {
  type: ChangeEventType;
  uscc: string;
  data: Record<string, unknown>;
}

/** The advisory lock that orders outbox writers (migrations hold 7 330 300, seeding 7 330 302). */
export const OUTBOX_LOCK = 7_330_303;

/**
 * The outbox: changes that partners care about, appended in the transaction of the change
 * itself, so an event exists exactly when its change committed. The feed, webhooks and daily
 * exports all read from here.
 *
 * Sequence numbers are drawn before commit, so two writers could commit in the opposite order
 * of their numbers, and a reader that has seen the higher one would skip the lower one. A writer
 * therefore takes OUTBOX_LOCK before drawing its numbers and holds it to its commit: outbox
 * writers commit in sequence order. Writers append just before their audit entry, which holds
 * the audit chain's lock to commit anyway, so this adds little waiting. While an outbox writer
 * runs, the feed also holds back events of transactions newer than the oldest one running (see
 * FeedService), which covers rows written around this service.
 */
@Injectable()
export class OutboxRepository {
  /** Appends events in one statement, in the order given (their sequence numbers follow it). */
  async append(manager: EntityManager, ...events: ChangeEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [OUTBOX_LOCK]);
    await manager.query(
      `INSERT INTO change_events (type, uscc, data)
       SELECT type, uscc, data::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(type, uscc, data, n)
        ORDER BY n`,
      [events.map((e) => e.type), events.map((e) => e.uscc), events.map((e) => JSON.stringify(e.data))],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { copyField, copyLines } from '../database/pg-copy';
import { pgClient } from '../database/pg-pool';

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
  /** When the change happened by the writer's clock; the transaction's time when not given. */
  occurredAt?: Date;
}

/** An event as read back from the outbox; `seq` as text (a bigint). */
export type StoredChangeEvent = {
  seq: string;
  id: string;
  type: ChangeEventType;
  uscc: string;
  occurredAt: Date;
  data: Record<string, unknown>;
};

const EVENT_COLUMNS = `e.seq::text AS seq, e.id, e.type, e.uscc, e.occurred_at AS "occurredAt", e.data`;

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
 * runs, readers also stop before events of transactions newer than the oldest one running: the
 * outbox publishes that bound as `outbox_horizon(after)` (migration PublishedReadViews, which
 * gives the reasoning), beside the view `outbox_events` that other modules read it through; this
 * covers rows written around this repository.
 */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Appends events in one COPY, in the order given (their sequence numbers follow it): a first
   * grading appends one per enterprise, a million in all, and COPY writes them in about half the
   * time of INSERT … SELECT over arrays (see pg-copy.ts). An event without `occurredAt` takes the
   * transaction's time, read with the lock in its exact text form.
   */
  async append(manager: EntityManager, ...events: ChangeEvent[]): Promise<void> {
    if (!events.length) return;
    const [{ now }]: { now: string }[] = await manager.query(`SELECT pg_advisory_xact_lock($1), now()::text AS now`, [
      OUTBOX_LOCK,
    ]);
    await copyLines(
      pgClient(manager.queryRunner!),
      `COPY change_events (type, uscc, data, occurred_at) FROM STDIN`,
      events.map(
        (e) =>
          `${copyField(e.type)}\t${copyField(e.uscc)}\t${copyField(JSON.stringify(e.data))}\t${e.occurredAt?.toISOString() ?? now}\n`,
      ),
    );
  }

  /**
   * The last seq a new reader may start after: every event up to it has committed, and any event
   * still in flight will get a higher number.
   */
  async settledEnd(manager: EntityManager = this.db.manager): Promise<number> {
    const [{ seq }]: { seq: string }[] = await manager.query(
      `SELECT coalesce(nullif(h.seq, 9223372036854775807) - 1, (SELECT max(seq) FROM change_events), 0)::text AS seq
         FROM (SELECT outbox_horizon(0) AS seq) h`,
    );
    return Number(seq);
  }

  /**
   * Up to `limit` events that occurred in [from, to), after seq `after`, in seq order: a day's
   * changes read batch by batch, in the caller's transaction (one snapshot for all batches).
   */
  occurredBetween(
    manager: EntityManager,
    from: Date,
    to: Date,
    after: string,
    limit: number,
  ): Promise<StoredChangeEvent[]> {
    // Ordered by the column: a bare `seq` would name the text output column (10 before 9, and the
    // next batch's `seq >` would then skip and repeat rows).
    return manager.query(
      `SELECT ${EVENT_COLUMNS} FROM change_events e
        WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND e.seq > $3::bigint ORDER BY e.seq LIMIT $4`,
      [from, to, after, limit],
    );
  }
}

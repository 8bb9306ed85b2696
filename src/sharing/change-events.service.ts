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

/**
 * The outbox: changes that partners care about, appended in the transaction of the change
 * itself, so an event exists exactly when its change committed. The feed, webhooks and daily
 * exports all read from here.
 */
@Injectable()
export class ChangeEventsService {
  /** Appends events in one statement, in the order given (their sequence numbers follow it). */
  async append(manager: EntityManager, ...events: ChangeEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.query(
      `INSERT INTO change_events (type, uscc, data)
       SELECT type, uscc, data::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(type, uscc, data, n)
        ORDER BY n`,
      [events.map((e) => e.type), events.map((e) => e.uscc), events.map((e) => JSON.stringify(e.data))],
    );
  }
}

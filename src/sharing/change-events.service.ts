import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export const CHANGE_EVENT_TYPES = [
  'classification.changed',
  'blacklist.published',
  'blacklist.removed',
  'record.retracted',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

/**
 * The outbox: changes that partners care about, appended in the transaction of the change
 * itself, so an event exists exactly when its change committed. The feed, webhooks and daily
 * exports all read from here.
 */
@Injectable()
export class ChangeEventsService {
  async append(
    manager: EntityManager,
    event: { type: ChangeEventType; uscc: string; data: Record<string, unknown> },
  ): Promise<void> {
    await manager.query(`INSERT INTO change_events (type, uscc, data) VALUES ($1, $2, $3)`, [
      event.type,
      event.uscc,
      event.data,
    ]);
  }
}

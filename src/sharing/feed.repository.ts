import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectReads } from '../database/read-replicas';
import { FeedEventDto } from './dto/feed.dto';

/** A page of the feed as one statement returns it: its events and the last settled seq it looked at. */
export interface FeedPage {
  events: FeedEventDto[];
  /** The highest settled seq above `after` (0 when none). */
  last: number;
}

/**
 * The page after $1, $2 events at most, of the settled prefix of the outbox: the events below
 * `outbox_horizon($1)`, the bound the outbox publishes (no running transaction can still commit
 * an event below it; the migration that defines it gives the reasoning). With the watchlist, only
 * the codes institution $3 watches. One statement computes the page and `last` from the same
 * snapshot, which is also the one the horizon was taken in (the function is STABLE).
 */
const FEED_SQL = (watchlist: boolean) => `
  WITH horizon AS (SELECT outbox_horizon($1) AS seq)
  SELECT (SELECT max(seq) FROM outbox_events WHERE seq > $1 AND seq < (SELECT seq FROM horizon))::text AS last,
         (SELECT json_agg(json_build_object('seq', p.seq, 'id', p.id, 'type', p.type, 'uscc', p.uscc,
                 'occurredAt', p.occurred_at, 'data', p.data) ORDER BY p.seq)
            FROM (SELECT e.* FROM outbox_events e
                   WHERE e.seq > $1 AND e.seq < (SELECT seq FROM horizon)
                   ${watchlist ? 'AND EXISTS (SELECT 1 FROM watchlist_items w WHERE w.institution_id = $3 AND w.uscc = e.uscc)' : ''}
                   ORDER BY e.seq LIMIT $2) p) AS events`;
const FEED_ALL = FEED_SQL(false);
const FEED_WATCHLIST = FEED_SQL(true);

/**
 * The pull feed's reads: the outbox through its published view, filtered by a watchlist. From a
 * replica when one is near enough (ReadReplicas): outbox writers commit in sequence order (the
 * outbox lock), and a replica replays commits in the primary's order, so what it shows is a
 * prefix of what the primary shows, and a client's cursor moves on past nothing it will miss.
 * (outbox_horizon's look at pg_locks, for rows written around the outbox repository, sees no
 * primary's writer on a replica; the app writes none.)
 */
@Injectable()
export class FeedRepository {
  constructor(@InjectReads() private readonly db: DataSource) {}

  /** The settled events after `after`, all of them or only those of `institutionId`'s watched codes. */
  async page(after: number, limit: number, watchlistOf: string | null): Promise<FeedPage> {
    const [row]: {
      last: string | null;
      events: (Omit<FeedEventDto, 'occurredAt'> & { occurredAt: string })[] | null;
    }[] =
      watchlistOf !== null
        ? await this.db.query(FEED_WATCHLIST, [after, limit, watchlistOf])
        : await this.db.query(FEED_ALL, [after, limit]);
    return {
      events: (row.events ?? []).map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
      last: Number(row.last ?? 0),
    };
  }
}

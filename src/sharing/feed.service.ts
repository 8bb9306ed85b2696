import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FeedDto, FeedEventDto, FeedQuery } from './dto/feed.dto';

/**
 * True while another transaction holds a write lock on the outbox: one that has written to it
 * (or is about to) and not yet committed. Transactions that write no event (a long import, a
 * recompute chunk, another database's work on the same server) do not count.
 */
const OUTBOX_WRITER_RUNNING = `EXISTS (
  SELECT 1 FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.relation = 'change_events'::regclass AND l.pid IS DISTINCT FROM pg_backend_pid())`;

/**
 * True of an outbox row that a running outbox writer might still get ahead of: written by a
 * transaction not older than every one still running, while a writer is running. The settled
 * prefix of the outbox ends before the first such row (see FeedService).
 */
export const UNSETTLED = `(xid >= pg_snapshot_xmin(pg_current_snapshot()) AND ${OUTBOX_WRITER_RUNNING})`;

/**
 * The pull feed over the outbox. A consumer keeps the last `seq` it saw and asks for what comes
 * after; it must never miss an event, though sequence numbers are drawn before commit and a
 * transaction may commit after one that drew a higher number.
 *
 * So the feed shows only a prefix of the outbox that can no longer change: while a transaction
 * that writes to the outbox is running, it stops before the first event (above `after`) written
 * by a transaction that is not older than every transaction still running (`xid >=
 * pg_snapshot_xmin`). Below that point every event's transaction had finished when the snapshot
 * was taken, so no lower number can appear later. (Filtering row by row would not do: an old
 * transaction's event may sit above a recent one's.) The outbox lock in OutboxRepository makes
 * writers commit in sequence order; this rule also holds back rows written around it.
 *
 * The snapshot's xmin is the whole server's: any open write transaction, in any database, held
 * it back. Applied always, the rule stalled the feed and every webhook for as long as such a
 * transaction ran (a long import here, or another database's work on a shared server: a full
 * test run's webhook deliveries stopped for over a minute). So it applies only while a writer of
 * the outbox is running, the one case where a lower number can still appear. Outbox writers are
 * short, so a long transaction elsewhere delays the feed only at the moments one of them runs.
 * (A writer around the outbox lock that commits between the snapshot and the look at pg_locks
 * goes unseen; writers under the lock need no horizon at all.)
 *
 * One statement computes the page and `nextAfter` from the same snapshot.
 */
const FEED_SQL = (watchlist: boolean) => `
  WITH horizon AS (
         SELECT coalesce(min(seq), 9223372036854775807) AS seq FROM change_events
          WHERE seq > $1 AND ${UNSETTLED})
  SELECT (SELECT max(seq) FROM change_events WHERE seq > $1 AND seq < (SELECT seq FROM horizon))::text AS last,
         (SELECT json_agg(json_build_object('seq', p.seq, 'id', p.id, 'type', p.type, 'uscc', p.uscc,
                 'occurredAt', p.occurred_at, 'data', p.data) ORDER BY p.seq)
            FROM (SELECT e.* FROM change_events e
                   WHERE e.seq > $1 AND e.seq < (SELECT seq FROM horizon)
                   ${watchlist ? 'AND EXISTS (SELECT 1 FROM watchlist_items w WHERE w.institution_id = $3 AND w.uscc = e.uscc)' : ''}
                   ORDER BY e.seq LIMIT $2) p) AS events`;
const FEED_ALL = FEED_SQL(false);
const FEED_WATCHLIST = FEED_SQL(true);

@Injectable()
export class FeedService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async read(query: FeedQuery, institutionId: string): Promise<FeedDto> {
    const [row]: {
      last: string | null;
      events: (Omit<FeedEventDto, 'occurredAt'> & { occurredAt: string })[] | null;
    }[] =
      query.scope === 'watchlist'
        ? await this.dataSource.query(FEED_WATCHLIST, [query.after, query.limit, institutionId])
        : await this.dataSource.query(FEED_ALL, [query.after, query.limit]);
    const events = (row.events ?? []).map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) }));
    // A full page ends at its last event; a short one has looked at everything settled.
    const nextAfter =
      events.length === query.limit ? events[events.length - 1].seq : Math.max(query.after, Number(row.last ?? 0));
    return { events, nextAfter };
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { WatchlistChangeDto, WatchlistItemDto } from './dto/watchlist.dto';

/**
 * Inserts the codes of `wanted` (distinct, COLLATE "C" like the column, so comparing them is
 * bytewise) that institution $1 does not watch yet. Writers of one list are serialised by a
 * lock, so an anti-join suffices where ON CONFLICT would probe the index row by row.
 */
const NEW_CODES = (wanted: string) =>
  `INSERT INTO watchlist_items (institution_id, uscc)
   SELECT $1, n.uscc FROM ${wanted} n
    WHERE NOT EXISTS (SELECT 1 FROM watchlist_items w WHERE w.institution_id = $1 AND w.uscc = n.uscc)`;

/** Each institution's watched codes (watchlist_items), written with one set-based statement whatever the list's length. */
@Injectable()
export class WatchlistRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async count(institutionId: string, manager: EntityManager = this.db.manager): Promise<number> {
    const [{ total }]: { total: number }[] = await manager.query(
      `SELECT count(*)::int AS total FROM watchlist_items WHERE institution_id = $1`,
      [institutionId],
    );
    return total;
  }

  /** A page of the list, by code. */
  page(institutionId: string, limit: number, offset: number): Promise<WatchlistItemDto[]> {
    return this.db.query(
      `SELECT uscc, added_at AS "addedAt" FROM watchlist_items WHERE institution_id = $1
        ORDER BY uscc LIMIT $2 OFFSET $3`,
      [institutionId, limit, offset],
    );
  }

  /** Up to `limit` codes of the list after `after` (by code; '' for the first), for reading it whole a part at a time. */
  async codesAfter(institutionId: string, after: string, limit: number): Promise<WatchlistItemDto[]> {
    return this.db.query(
      `SELECT uscc, added_at AS "addedAt" FROM watchlist_items WHERE institution_id = $1 AND uscc > $2
        ORDER BY uscc LIMIT $3`,
      [institutionId, after, limit],
    );
  }

  /** Serialises changes to one institution's list until the transaction ends, so concurrent replacements never mix. */
  async lock(manager: EntityManager, institutionId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('watchlist:' || $1, 0))`, [institutionId]);
  }

  /** Makes the list exactly `codes` (distinct): codes not in it go, new ones come, kept ones keep their `addedAt`. */
  async replace(manager: EntityManager, institutionId: string, codes: string[]): Promise<WatchlistChangeDto> {
    const [change]: WatchlistChangeDto[] = await manager.query(
      `WITH wanted AS (SELECT u.uscc COLLATE "C" AS uscc FROM unnest($2::text[]) AS u(uscc)),
            removed AS (DELETE FROM watchlist_items w WHERE w.institution_id = $1
                         AND NOT EXISTS (SELECT 1 FROM wanted WHERE wanted.uscc = w.uscc) RETURNING 1),
            added AS (${NEW_CODES('wanted')} RETURNING 1)
       SELECT cardinality($2::text[]) AS total, (SELECT count(*) FROM added)::int AS added,
              (SELECT count(*) FROM removed)::int AS removed`,
      [institutionId, codes],
    );
    return change;
  }

  /** Adds the codes (distinct) not on the list yet; returns how many. */
  async add(manager: EntityManager, institutionId: string, codes: string[]): Promise<number> {
    const [{ added }]: { added: number }[] = await manager.query(
      `WITH wanted AS (SELECT u.uscc COLLATE "C" AS uscc FROM unnest($2::text[]) AS u(uscc)),
            added AS (${NEW_CODES('wanted')} RETURNING 1)
       SELECT count(*)::int AS added FROM added`,
      [institutionId, codes],
    );
    return added;
  }

  /** Takes one code off the list; returns how many rows went (0 or 1). */
  async remove(manager: EntityManager, institutionId: string, uscc: string): Promise<number> {
    const [, removed]: [unknown, number] = await manager.query(
      `DELETE FROM watchlist_items WHERE institution_id = $1 AND uscc = $2`,
      [institutionId, uscc],
    );
    return removed;
  }
}

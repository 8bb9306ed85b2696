import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Page, pageOf } from '../common/pagination';
import { Problem } from '../common/problem';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { checkCode, checkCodes, codeErrors } from './codes';
import { ListWatchlistQuery, WatchlistChangeDto, WatchlistItemDto } from './dto/watchlist.dto';

/**
 * Inserts the codes of `wanted` (distinct, COLLATE "C" like the column, so comparing them is
 * bytewise) that institution $1 does not watch yet. Writers of one list are serialised by a
 * lock, so an anti-join suffices where ON CONFLICT would probe the index row by row.
 */
const NEW_CODES = (wanted: string) =>
  `INSERT INTO watchlist_items (institution_id, uscc)
   SELECT $1, n.uscc FROM ${wanted} n
    WHERE NOT EXISTS (SELECT 1 FROM watchlist_items w WHERE w.institution_id = $1 AND w.uscc = n.uscc)`;

/**
 * Each institution's watchlist: the credit codes it holds, registered or not, up to a million.
 * A list with any bad code is refused whole (400 naming them) and changes nothing; a good one
 * is written with one set-based statement, whatever its length.
 */
@Injectable()
export class WatchlistService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly allowList: UsccAllowListService,
    private readonly audit: AuditService,
  ) {}

  async list(institutionId: string, query: ListWatchlistQuery): Promise<Page<WatchlistItemDto>> {
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM watchlist_items WHERE institution_id = $1`,
      [institutionId],
    );
    const items = await this.dataSource.query(
      `SELECT uscc, added_at AS "addedAt" FROM watchlist_items WHERE institution_id = $1
        ORDER BY uscc LIMIT $2 OFFSET $3`,
      [institutionId, query.pageSize, query.offset],
    );
    return pageOf(items, total, query);
  }

  /** Replaces the list: codes not in `inputs` go, new ones come, kept ones keep their `addedAt`. */
  async replace(institutionId: string, inputs: string[], actor: Actor): Promise<WatchlistChangeDto> {
    const codes = await this.codes(inputs);
    return this.audit.change(actor, async (manager) => {
      await this.lock(manager, institutionId);
      const [change]: WatchlistChangeDto[] = await manager.query(
        `WITH wanted AS (SELECT u.uscc COLLATE "C" AS uscc FROM unnest($2::text[]) AS u(uscc)),
              removed AS (DELETE FROM watchlist_items w WHERE w.institution_id = $1
                           AND NOT EXISTS (SELECT 1 FROM wanted WHERE wanted.uscc = w.uscc) RETURNING 1),
              added AS (${NEW_CODES('wanted')} RETURNING 1)
         SELECT cardinality($2::text[]) AS total, (SELECT count(*) FROM added)::int AS added,
                (SELECT count(*) FROM removed)::int AS removed`,
        [institutionId, codes],
      );
      return { result: change, entry: this.entry('watchlist.replace', institutionId, change) };
    });
  }

  async add(institutionId: string, inputs: string[], actor: Actor): Promise<WatchlistChangeDto> {
    const codes = await this.codes(inputs);
    return this.audit.change(actor, async (manager) => {
      await this.lock(manager, institutionId);
      const [{ added }] = await manager.query(
        `WITH wanted AS (SELECT u.uscc COLLATE "C" AS uscc FROM unnest($2::text[]) AS u(uscc)),
              added AS (${NEW_CODES('wanted')} RETURNING 1)
         SELECT count(*)::int AS added FROM added`,
        [institutionId, codes],
      );
      const change = { total: await this.count(manager, institutionId), added, removed: 0 };
      return { result: change, entry: this.entry('watchlist.add', institutionId, change) };
    });
  }

  async remove(institutionId: string, input: string, actor: Actor): Promise<void> {
    const uscc = await checkCode(input, this.allowList);
    await this.audit.change(actor, async (manager) => {
      await this.lock(manager, institutionId);
      const [, removed]: [unknown, number] = await manager.query(
        `DELETE FROM watchlist_items WHERE institution_id = $1 AND uscc = $2`,
        [institutionId, uscc],
      );
      if (!removed) throw Problem.notFound('Watched code', uscc);
      const change = { total: await this.count(manager, institutionId), added: 0, removed };
      return { result: undefined, entry: this.entry('watchlist.remove', institutionId, { ...change, uscc }) };
    });
  }

  /** The normalised, distinct codes of a list, or a 400 naming the bad ones (the first hundred). */
  private async codes(inputs: readonly string[]): Promise<string[]> {
    const { codes, invalid } = await checkCodes(inputs, this.allowList);
    if (invalid.length) {
      throw new Problem(
        HttpStatus.BAD_REQUEST,
        'validation-failed',
        'Invalid request',
        `${invalid.length} of the codes ${invalid.length === 1 ? 'is not a credit code' : 'are not credit codes'}; nothing was changed`,
        { errors: codeErrors('usccs', invalid) },
      );
    }
    return codes;
  }

  /** Changes to one institution's list are serialised, so concurrent replacements never mix. */
  private async lock(manager: EntityManager, institutionId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('watchlist:' || $1, 0))`, [institutionId]);
  }

  private async count(manager: EntityManager, institutionId: string): Promise<number> {
    const [{ total }] = await manager.query(
      `SELECT count(*)::int AS total FROM watchlist_items WHERE institution_id = $1`,
      [institutionId],
    );
    return total;
  }

  private entry(action: string, institutionId: string, after: unknown) {
    return { action, entityType: 'watchlist', entityId: institutionId, after };
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EnterpriseScope, enterpriseScopeWhere } from '../database/enterprise-scope';

/**
 * The blacklist as other modules read it: the entries published against a set of enterprises
 * (what a recompute grades from), and publications and removals per month (the statistics).
 * Read methods take the caller's manager so they see its transaction's snapshot.
 */
@Injectable()
export class ListingFactsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The ids of the published entries of each enterprise of `scope` that has any, in id order. */
  async publishedIds(scope: EnterpriseScope, manager: EntityManager = this.db.manager): Promise<Map<string, string[]>> {
    const [where, params] = enterpriseScopeWhere('enterprise_id', scope);
    const rows: { id: string; entries: string[] }[] = await manager.query(
      `SELECT enterprise_id::text AS id, array_agg(id::text ORDER BY id) AS entries FROM blacklist_entries
        WHERE status = 'published' AND ${where} GROUP BY enterprise_id`,
      params,
    );
    return new Map(rows.map((r) => [r.id, r.entries]));
  }

  /**
   * Publications, and removals by reason, per calendar month in Beijing (`yyyy-mm`) from `from`
   * to before `to`: `kind` is 'published' or the removal reason.
   */
  flowByMonth(from: Date, to: Date): Promise<{ month: string; kind: string; n: number }[]> {
    return this.db.query(
      `SELECT to_char(published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, 'published' AS kind, count(*)::int AS n
         FROM blacklist_entries WHERE published_at >= $1 AND published_at < $2 GROUP BY 1
       UNION ALL
       SELECT to_char(removed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), removal_reason, count(*)::int
         FROM blacklist_entries WHERE removed_at >= $1 AND removed_at < $2 GROUP BY 1, 2`,
      [from, to],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ReasonCode, ReasonDto } from './dto/blacklist.dto';

/** A published entry as other modules show it beside an enterprise (a credit report). */
export interface PublishedEntry {
  enterpriseId: string;
  id: string;
  reasonCode: ReasonCode;
  publishedAt: Date;
  expiresAt: Date;
}

/**
 * What the blacklist tells the modules above it: the reason catalogue, the entries currently
 * published against a set of enterprises (what a report and a search show), and publications
 * and removals per month (the statistics). Set-based: one statement per call, however many
 * enterprises; a read that is part of a snapshot takes its manager.
 *
 * These reads stay apart from `BlacklistRepository` (blacklist.repository.ts), the due-process
 * aggregate itself: an entry with its moves, objections and repair applications, which only the
 * blacklist's own services read and write.
 */
@Injectable()
export class BlacklistReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The reasons for listing, by code, with their Chinese and English labels. */
  reasons(): Promise<ReasonDto[]> {
    return this.db.query(`SELECT code, name_zh AS "nameZh", name_en AS "nameEn" FROM blacklist_reasons ORDER BY code`);
  }

  /** The published entries of these enterprises, by enterprise, each enterprise's in order of publication. */
  published(enterpriseIds: string[], manager: EntityManager = this.db.manager): Promise<PublishedEntry[]> {
    if (enterpriseIds.length === 0) return Promise.resolve([]);
    return manager.query(
      `SELECT b.enterprise_id::text AS "enterpriseId", b.id::text, b.reason_code AS "reasonCode",
              b.published_at AS "publishedAt", b.expires_at AS "expiresAt"
         FROM blacklist_entries b
        WHERE b.enterprise_id = ANY($1::bigint[]) AND b.status = 'published'
        ORDER BY b.enterprise_id, b.published_at, b.id`,
      [enterpriseIds],
    );
  }

  /** Which of these enterprises have a published entry. */
  async listedAmong(enterpriseIds: string[]): Promise<Set<string>> {
    if (enterpriseIds.length === 0) return new Set();
    const rows: { id: string }[] = await this.db.query(
      `SELECT DISTINCT enterprise_id::text AS id FROM blacklist_entries
        WHERE enterprise_id = ANY($1::bigint[]) AND status = 'published'`,
      [enterpriseIds],
    );
    return new Set(rows.map((r) => r.id));
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

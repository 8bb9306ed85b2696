import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReasonCode, ReasonDto } from './dto/blacklist.dto';

/** A published entry as other modules show it beside an enterprise (grading, reports, lookups). */
export interface PublishedEntry {
  enterpriseId: string;
  id: string;
  reasonCode: ReasonCode;
  publishedAt: Date;
  expiresAt: Date;
}

/**
 * What the blacklist tells the modules above it: the reason catalogue, and the entries
 * currently published for a set of enterprises. Set-based: one statement per call, however
 * many enterprises.
 */
@Injectable()
export class BlacklistReads {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The reasons for listing, by code, with their Chinese and English labels. */
  reasons(): Promise<ReasonDto[]> {
    return this.db.query(`SELECT code, name_zh AS "nameZh", name_en AS "nameEn" FROM blacklist_reasons ORDER BY code`);
  }

  /** The published entries of these enterprises, each enterprise's in order of publication. */
  published(enterpriseIds: string[]): Promise<PublishedEntry[]> {
    if (enterpriseIds.length === 0) return Promise.resolve([]);
    return this.db.query(
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
}

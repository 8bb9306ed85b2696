import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** A row of the grades data set, with its key (the enterprise's id) to read on after. */
export type GradeRow = {
  key: string;
  uscc: string;
  name: string;
  districtCode: string;
  grade: string;
  score: number;
  ruleSetVersion: number;
  validFrom: Date;
};

/** A row of the blacklist data set, with its key (the entry's id) to read on after. */
export type ListingRow = {
  key: string;
  id: string;
  uscc: string;
  name: string;
  reasonCode: string;
  publishedAt: Date;
  expiresAt: Date;
  /** The listing's last day in Beijing (the day before `expiresAt` when that is a Beijing midnight), as every page says it. */
  listedUntil: string;
};

/**
 * The snapshots of a day's export, read in key order a batch at a time, in the caller's
 * transaction: the grades valid at the end of the day, and the listings published by then and
 * neither removed nor expired. They join the registry's, classification's and blacklist's data
 * through the views those modules publish, one statement a batch.
 */
@Injectable()
export class ExportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Up to `limit` enterprises with a grade valid at `at`, after enterprise id `after`. */
  gradesAt(manager: EntityManager, at: Date, after: string, limit: number): Promise<GradeRow[]> {
    return manager.query(
      `SELECT e.id::text AS key, e.uscc, e.name, e.district_code AS "districtCode", h.grade, h.score::float8 AS score,
              h.rule_set_version AS "ruleSetVersion", h.valid_from AS "validFrom"
         FROM registry_enterprises e
         JOIN LATERAL (SELECT grade, score, rule_set_version, valid_from FROM classification_grade_history h
                        WHERE h.enterprise_id = e.id AND h.valid_from < $1 AND (h.valid_to IS NULL OR h.valid_to >= $1)
                        ORDER BY h.valid_from DESC LIMIT 1) h ON true
        WHERE e.id > $2::bigint ORDER BY e.id LIMIT $3`,
      [at, after, limit],
    );
  }

  /** Up to `limit` listings in force at `at`, after entry id `after`. */
  listingsAt(manager: EntityManager, at: Date, after: string, limit: number): Promise<ListingRow[]> {
    return manager.query(
      `SELECT b.id::text AS key, b.id::text AS id, e.uscc, e.name, b.reason_code AS "reasonCode",
              b.published_at AS "publishedAt", b.expires_at AS "expiresAt",
              to_char((b.expires_at - interval '1 millisecond') AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS "listedUntil"
         FROM blacklist_listings b JOIN registry_enterprises e ON e.id = b.enterprise_id
        WHERE b.published_at < $1 AND least(coalesce(b.removed_at, 'infinity'::timestamptz), b.expires_at) >= $1
          AND b.id > $2::bigint
        ORDER BY b.id LIMIT $3`,
      [at, after, limit],
    );
  }

  /** How many other transactions of this database that began before `before` are still running. */
  async runningSince(before: Date): Promise<number> {
    const [{ running }]: { running: number }[] = await this.db.query(
      `SELECT count(*)::int AS running FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start < $1`,
      [before],
    );
    return running;
  }
}

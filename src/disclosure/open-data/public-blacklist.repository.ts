import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectReads } from '../../database/read-replicas';
import { beijingDate, beijingLastDay } from '../../common/clock';
import { SqlFilter } from '../../database/sql-filter';
import {
  PublicBlacklistEntryDto,
  PublicBlacklistEntrySummaryDto,
  PublicBlacklistQuery,
} from './dto/public-blacklist.dto';

/** The columns the public may see, and nothing else (`cursor` is the keyset position, not shown). */
interface PublicRow {
  id: string;
  uscc: string;
  enterprise_name: string;
  district_code: string;
  district_zh: string;
  district_en: string;
  reason_code: string;
  reason_zh: string;
  reason_en: string;
  department_code: string;
  department_zh: string;
  department_en: string;
  legal_basis: string;
  facts: string;
  published_at: Date;
  expires_at: Date;
  cursor: string;
}

/**
 * Only `published` is public: a proposal, notice, decision, withdrawal or removal never is. Read
 * from the views the blacklist, the registry and identity publish, in one statement: the list's
 * filters (a name, a code's beginning) and its pages run over the entries joined to their
 * enterprises.
 */
const PUBLIC_SELECT = `
  SELECT b.id::text, e.uscc, e.name AS enterprise_name,
         b.district_code, d.name_zh AS district_zh, d.name_en AS district_en,
         b.reason_code, r.name_zh AS reason_zh, r.name_en AS reason_en,
         b.department_code, p.name_zh AS department_zh, p.name_en AS department_en,
         b.legal_basis, b.facts, b.published_at, b.expires_at, b.published_at::text AS cursor
    FROM blacklist_listings b
    JOIN registry_enterprises e ON e.id = b.enterprise_id
    JOIN registry_district_names d ON d.code = b.district_code
    JOIN blacklist_reason_names r ON r.code = b.reason_code
    JOIN identity_department_names p ON p.code = b.department_code
   WHERE b.status = 'published'`;

/** Newest publication first; the id breaks ties, so pages and keyset reads never skip or repeat. */
const NEWEST_FIRST = 'ORDER BY b.published_at DESC, b.id DESC';

const BLACKLIST_EVENTS = `('blacklist.published', 'blacklist.removed')`;

function toSummary(r: PublicRow): PublicBlacklistEntrySummaryDto {
  return {
    id: r.id,
    uscc: r.uscc,
    enterpriseName: r.enterprise_name,
    district: { code: r.district_code, nameZh: r.district_zh, nameEn: r.district_en },
    reason: { code: r.reason_code, nameZh: r.reason_zh, nameEn: r.reason_en },
    authority: { code: r.department_code, nameZh: r.department_zh, nameEn: r.department_en },
    publishedAt: r.published_at,
    expiresAt: r.expires_at,
    publishedOn: beijingDate(r.published_at),
    listedUntil: beijingLastDay(r.expires_at),
  };
}

function toEntry(r: PublicRow): PublicBlacklistEntryDto {
  return { ...toSummary(r), legalBasis: r.legal_basis, facts: r.facts };
}

/** The list's filters as a condition on the entries (`b`) and their enterprises (`e`). */
function filterOf(query: PublicBlacklistQuery): SqlFilter {
  const f = new SqlFilter();
  if (query.q) {
    // A name fragment anywhere, or the beginning of a credit code (codes are upper case).
    const code = query.q.toUpperCase();
    if (/^[0-9A-Z]{1,18}$/.test(code))
      f.add('(strpos(e.name, ?) > 0 OR left(e.uscc, length(?)) = ?)', query.q, code, code);
    else f.add('strpos(e.name, ?) > 0', query.q);
  }
  if (query.districtCode) f.add('b.district_code = ?', query.districtCode);
  if (query.reasonCode) f.add('b.reason_code = ?', query.reasonCode);
  if (query.year !== undefined) {
    f.add(
      `b.published_at >= make_timestamptz(?, 1, 1, 0, 0, 0, 'Asia/Shanghai')
       AND b.published_at < make_timestamptz(?, 1, 1, 0, 0, 0, 'Asia/Shanghai')`,
      query.year,
      query.year + 1,
    );
  }
  return f;
}

/** A publication or a removal for the feed, with what its entry says. */
export interface FeedItem {
  eventId: string;
  type: 'blacklist.published' | 'blacklist.removed';
  entryId: string;
  uscc: string;
  enterpriseName: string;
  reasonZh: string;
  departmentZh: string;
  publishedAt: Date;
  expiresAt: Date;
  removedAt: Date | null;
  removalReason: string | null;
}

/** A removal the public may read of: on expiry or revocation (a repaired entry leaves no trace, as in the feed). */
export interface PublicRemoval {
  entryId: string;
  uscc: string;
  enterpriseName: string;
  reason: { code: string; nameZh: string; nameEn: string };
  publishedAt: Date;
  removedAt: Date;
  removalReason: 'expired' | 'revoked';
}

/** What the list's validators are made of (see PublicBlacklistService.validators). */
export interface ListState {
  seq: string | null;
  n: number;
  ids: string;
  modified: Date;
}

/** Where a keyset read of the list continues: the last row's publication time (as text) and id. */
export type ListCursor = [string, string];

/** The public blacklist's statements. */
@Injectable()
export class PublicBlacklistRepository {
  constructor(@InjectReads() private readonly db: DataSource) {}

  /** How many published entries the filters select. */
  async count(query: PublicBlacklistQuery): Promise<number> {
    const f = filterOf(query);
    const [{ total }]: { total: number }[] = await this.db.query(
      `SELECT count(*)::int AS total
         FROM blacklist_listings b JOIN registry_enterprises e ON e.id = b.enterprise_id
        WHERE b.status = 'published'${f.clause('AND')}`,
      f.params,
    );
    return total;
  }

  /** A page of them, newest publication first. */
  async page(query: PublicBlacklistQuery): Promise<PublicBlacklistEntrySummaryDto[]> {
    const f = filterOf(query);
    const rows: PublicRow[] = await this.db.query(
      `${PUBLIC_SELECT}${f.clause('AND')} ${NEWEST_FIRST} OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, query.offset, query.pageSize],
    );
    return rows.map(toSummary);
  }

  /** The newest `limit` publications still published, newest first (along ix_blacklist_entries_public). */
  async newest(limit: number): Promise<PublicBlacklistEntrySummaryDto[]> {
    const rows: PublicRow[] = await this.db.query(`${PUBLIC_SELECT} ${NEWEST_FIRST} LIMIT $1`, [limit]);
    return rows.map(toSummary);
  }

  /** The newest `limit` removals on expiry or revocation, newest first (along ix_blacklist_entries_removed). */
  async newestRemovals(limit: number): Promise<PublicRemoval[]> {
    const rows: {
      id: string;
      uscc: string;
      enterprise_name: string;
      reason_code: string;
      reason_zh: string;
      reason_en: string;
      published_at: Date;
      removed_at: Date;
      removal_reason: PublicRemoval['removalReason'];
    }[] = await this.db.query(
      `SELECT b.id::text, e.uscc, e.name AS enterprise_name,
              b.reason_code, r.name_zh AS reason_zh, r.name_en AS reason_en,
              b.published_at, b.removed_at, b.removal_reason
         FROM blacklist_listings b
         JOIN registry_enterprises e ON e.id = b.enterprise_id
         JOIN blacklist_reason_names r ON r.code = b.reason_code
        WHERE b.status = 'removed' AND b.removal_reason IN ('expired', 'revoked')
        ORDER BY b.removed_at DESC, b.id DESC
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      entryId: r.id,
      uscc: r.uscc,
      enterpriseName: r.enterprise_name,
      reason: { code: r.reason_code, nameZh: r.reason_zh, nameEn: r.reason_en },
      publishedAt: r.published_at,
      removedAt: r.removed_at,
      removalReason: r.removal_reason,
    }));
  }

  /** How many enterprises have a published entry (an index-only read of ix_blacklist_entries_published). */
  async listedEnterprises(): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      `SELECT count(DISTINCT enterprise_id)::int AS n FROM blacklist_listings WHERE status = 'published'`,
    );
    return n;
  }

  /** The published entry with this id (a decimal string). */
  async published(id: string): Promise<PublicBlacklistEntryDto | undefined> {
    const [row]: PublicRow[] = await this.db.query(`${PUBLIC_SELECT} AND b.id = $1`, [id]);
    return row && toEntry(row);
  }

  /** The published entries of one enterprise (by its id), newest publication first. */
  async publishedFor(enterpriseId: string): Promise<PublicBlacklistEntryDto[]> {
    const rows: PublicRow[] = await this.db.query(`${PUBLIC_SELECT} AND b.enterprise_id = $1 ${NEWEST_FIRST}`, [
      enterpriseId,
    ]);
    return rows.map(toEntry);
  }

  /** Up to `limit` published entries after `after` (or from the newest), newest first, with the next cursor. */
  async batch(
    after: ListCursor | null,
    limit: number,
  ): Promise<{ entries: PublicBlacklistEntryDto[]; next: ListCursor | null }> {
    const rows: PublicRow[] = await this.db.query(
      `${PUBLIC_SELECT}${after ? ' AND (b.published_at, b.id) < ($1::timestamptz, $2::bigint)' : ''}
       ${NEWEST_FIRST} LIMIT ${limit}`,
      after ?? [],
    );
    const last = rows[rows.length - 1];
    return { entries: rows.map(toEntry), next: rows.length < limit ? null : [last.cursor, last.id] };
  }

  /**
   * From a few index look-ups: the newest blacklist event in the outbox, the number and id sum of
   * the published entries, and the last change to a listed enterprise or to a department.
   */
  async state(): Promise<ListState> {
    const [state] = await this.db.query(
      `WITH newest AS (
         SELECT seq, occurred_at FROM outbox_events WHERE type IN ${BLACKLIST_EVENTS} ORDER BY seq DESC LIMIT 1
       ), listed AS (
         SELECT count(*)::int AS n, coalesce(sum(b.id), 0)::text AS ids, max(e.updated_at) AS renamed
           FROM blacklist_listings b JOIN registry_enterprises e ON e.id = b.enterprise_id
          WHERE b.status = 'published'
       )
       SELECT (SELECT seq::text FROM newest) AS seq, listed.n, listed.ids,
              greatest((SELECT occurred_at FROM newest), listed.renamed,
                       (SELECT max(updated_at) FROM identity_department_names)) AS modified
         FROM listed`,
    );
    return state;
  }

  /**
   * The newest `limit` publications and removals the feed shows: a publication while its entry is
   * published, a removal on expiry or revocation; newest event first.
   */
  async feed(limit: number): Promise<FeedItem[]> {
    const rows: {
      event_id: string;
      type: FeedItem['type'];
      id: string;
      uscc: string;
      enterprise_name: string;
      reason_zh: string;
      department_zh: string;
      published_at: Date;
      expires_at: Date;
      removed_at: Date | null;
      removal_reason: string | null;
    }[] = await this.db.query(
      `SELECT ev.id::text AS event_id, ev.type, b.id::text, e.uscc, e.name AS enterprise_name,
              r.name_zh AS reason_zh, p.name_zh AS department_zh, b.published_at, b.expires_at, b.removed_at,
              b.removal_reason
         FROM outbox_events ev
         JOIN blacklist_listings b ON b.id = (ev.data ->> 'entryId')::bigint
         JOIN registry_enterprises e ON e.id = b.enterprise_id
         JOIN blacklist_reason_names r ON r.code = b.reason_code
         JOIN identity_department_names p ON p.code = b.department_code
        WHERE ev.type IN ${BLACKLIST_EVENTS}
          AND ((ev.type = 'blacklist.published' AND b.status = 'published')
            OR (ev.type = 'blacklist.removed' AND b.status = 'removed' AND b.removal_reason IN ('expired', 'revoked')))
        ORDER BY ev.seq DESC
        LIMIT ${limit}`,
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      entryId: r.id,
      uscc: r.uscc,
      enterpriseName: r.enterprise_name,
      reasonZh: r.reason_zh,
      departmentZh: r.department_zh,
      publishedAt: r.published_at,
      expiresAt: r.expires_at,
      removedAt: r.removed_at,
      removalReason: r.removal_reason,
    }));
  }

  async districtExists(code: string): Promise<boolean> {
    const [found] = await this.db.query(`SELECT 1 FROM registry_district_names WHERE code = $1`, [code]);
    return Boolean(found);
  }
}

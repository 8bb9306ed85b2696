import { SqlFilter } from '../../database/sql-filter';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { beijingDate } from '../../common/clock';
import { csvStream } from '../../common/csv';
import { Page, pageOf } from '../../common/pagination';
import { Problem } from '../../common/problem';
import { AtomEntry, atomFeed } from './atom';
import { Validators } from './conditional';
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

/** Only `published` is public: a proposal, notice, decision, withdrawal or removal never is. */
const PUBLIC_SELECT = `
  SELECT b.id::text, e.uscc, e.name AS enterprise_name,
         b.district_code, d.name_zh AS district_zh, d.name_en AS district_en,
         b.reason_code, r.name_zh AS reason_zh, r.name_en AS reason_en,
         b.department_code, p.name_zh AS department_zh, p.name_en AS department_en,
         b.legal_basis, b.facts, b.published_at, b.expires_at, b.published_at::text AS cursor
    FROM blacklist_entries b
    JOIN enterprises e ON e.id = b.enterprise_id
    JOIN districts d ON d.code = b.district_code
    JOIN blacklist_reasons r ON r.code = b.reason_code
    JOIN departments p ON p.code = b.department_code
   WHERE b.status = 'published'`;

/** Newest publication first; the id breaks ties, so pages and keyset reads never skip or repeat. */
const NEWEST_FIRST = 'ORDER BY b.published_at DESC, b.id DESC';

/** Rows per read while a file streams. */
const STREAM_BATCH = 500;

const BLACKLIST_EVENTS = `('blacklist.published', 'blacklist.removed')`;

/** The Atom feed's permanent id (RFC 4287 §4.2.6): never changes, whatever the host. */
const FEED_ID = 'urn:uuid:6d3c2a57-4f0e-4b8e-9a51-0b7a8f1c2e90';
const FEED_SIZE = 100;

const REMOVALS_ZH: Record<string, string> = { expired: '列入期满', revoked: '撤销列入' };

export type OpenDataFormat = 'csv' | 'json' | 'atom';

/**
 * The CSV's columns: a bilingual header, Chinese name then the JSON field name (`企业名称/
 * enterpriseName`), so a person reads it in a spreadsheet and a program finds the same names as
 * in the JSON file.
 */
const CSV_COLUMNS: { header: string; value: (e: PublicBlacklistEntryDto) => string }[] = [
  { header: '名单编号/id', value: (e) => e.id },
  { header: '统一社会信用代码/uscc', value: (e) => e.uscc },
  { header: '企业名称/enterpriseName', value: (e) => e.enterpriseName },
  { header: '行政区划代码/districtCode', value: (e) => e.district.code },
  { header: '行政区划/districtName', value: (e) => e.district.nameZh },
  { header: '列入原因代码/reasonCode', value: (e) => e.reason.code },
  { header: '列入原因/reasonNameZh', value: (e) => e.reason.nameZh },
  { header: '列入原因（英文）/reasonNameEn', value: (e) => e.reason.nameEn },
  { header: '法律依据/legalBasis', value: (e) => e.legalBasis },
  { header: '违法事实/facts', value: (e) => e.facts },
  { header: '作出决定机关/authority', value: (e) => e.authority.nameZh },
  { header: '列入日期/publishedAt', value: (e) => e.publishedAt.toISOString() },
  { header: '列入期满/expiresAt', value: (e) => e.expiresAt.toISOString() },
];

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
  };
}

function toEntry(r: PublicRow): PublicBlacklistEntryDto {
  return { ...toSummary(r), legalBasis: r.legal_basis, facts: r.facts };
}

interface FeedRow {
  event_id: string;
  type: 'blacklist.published' | 'blacklist.removed';
  id: string;
  uscc: string;
  enterprise_name: string;
  reason_zh: string;
  department_zh: string;
  published_at: Date;
  expires_at: Date;
  removed_at: Date | null;
  removal_reason: string | null;
}

/**
 * The public blacklist: the list with its filters and pages, one entry, the whole list as open
 * data (CSV and JSON, streamed in keyset reads) and the Atom feed of publications and removals.
 * Also what the web pages render.
 */
@Injectable()
export class PublicBlacklistService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: PublicBlacklistQuery): Promise<Page<PublicBlacklistEntrySummaryDto>> {
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
    const filter = f.clause('AND');
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id
        WHERE b.status = 'published'${filter}`,
      f.params,
    );
    // An unknown district lists nothing: only an empty list asks whether the district exists.
    if (total === 0 && query.districtCode) await this.checkDistrict(query.districtCode);
    const rows: PublicRow[] = await this.dataSource.query(
      `${PUBLIC_SELECT}${filter} ${NEWEST_FIRST} OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, query.offset, query.pageSize],
    );
    return pageOf(rows.map(toSummary), total, query);
  }

  /** A published entry; 404 for any other, whatever its state, as for one that does not exist. */
  async findOne(id: string): Promise<PublicBlacklistEntryDto> {
    if (!/^[1-9][0-9]{0,17}$/.test(id)) throw Problem.notFound('Blacklist entry', id);
    const [row]: PublicRow[] = await this.dataSource.query(`${PUBLIC_SELECT} AND b.id = $1`, [id]);
    if (!row) throw Problem.notFound('Blacklist entry', id);
    return toEntry(row);
  }

  /** The published entries of one enterprise (by its id), newest publication first. */
  async forEnterprise(enterpriseId: string): Promise<PublicBlacklistEntryDto[]> {
    const rows: PublicRow[] = await this.dataSource.query(`${PUBLIC_SELECT} AND b.enterprise_id = $1 ${NEWEST_FIRST}`, [
      enterpriseId,
    ]);
    return rows.map(toEntry);
  }

  /**
   * ETag and Last-Modified of the current list, from a few index look-ups: the newest blacklist
   * event in the outbox (every publication and removal writes one), the number and id sum of the
   * published entries, and the last change to a listed enterprise (a new name) or a department (a
   * new name for the authority). The tag differs per format (each is its own representation).
   *
   * Computed before the file is read: a change that lands while a file streams may or may not be
   * in it, but then the next request sees a new tag and gets the whole file again; a client never
   * keeps a stale copy under a current tag.
   */
  async validators(format: OpenDataFormat): Promise<Validators> {
    const [state] = await this.dataSource.query(
      `WITH newest AS (
         SELECT seq, occurred_at FROM change_events WHERE type IN ${BLACKLIST_EVENTS} ORDER BY seq DESC LIMIT 1
       ), listed AS (
         SELECT count(*)::int AS n, coalesce(sum(b.id), 0)::text AS ids, max(e.updated_at) AS renamed
           FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id
          WHERE b.status = 'published'
       )
       SELECT (SELECT seq::text FROM newest) AS seq, listed.n, listed.ids,
              greatest((SELECT occurred_at FROM newest), listed.renamed,
                       (SELECT max(updated_at) FROM departments)) AS modified
         FROM listed`,
    );
    const digest = createHash('sha256')
      .update(JSON.stringify([state.seq, state.n, state.ids, new Date(state.modified).getTime()]))
      .digest('base64url')
      .slice(0, 22);
    return { etag: `"${format}-${digest}"`, lastModified: new Date(state.modified) };
  }

  /** Every published entry, newest publication first, read STREAM_BATCH rows at a time by keyset. */
  async *entries(): AsyncGenerator<PublicBlacklistEntryDto> {
    let after: [string, string] | null = null;
    for (;;) {
      const rows: PublicRow[] = await this.dataSource.query(
        `${PUBLIC_SELECT}${after ? ' AND (b.published_at, b.id) < ($1::timestamptz, $2::bigint)' : ''}
         ${NEWEST_FIRST} LIMIT ${STREAM_BATCH}`,
        after ?? [],
      );
      for (const row of rows) yield toEntry(row);
      if (rows.length < STREAM_BATCH) return;
      const last = rows[rows.length - 1];
      after = [last.cursor, last.id];
    }
  }

  /** The list as CSV: UTF-8 with a BOM (so spreadsheet programs read the Chinese), bilingual header. */
  csv(): Readable {
    const entries = this.entries();
    const rows = Readable.from(
      (async function* () {
        for await (const entry of entries) yield CSV_COLUMNS.map((c) => c.value(entry));
      })(),
    );
    const csv = csvStream({ bom: true, header: true, columns: CSV_COLUMNS.map((c) => c.header) });
    // Either end failing or the client leaving ends both; the error is the response's to report.
    return pipeline(rows, csv, () => undefined);
  }

  /** The list as one JSON array, written entry by entry. */
  json(): Readable {
    const entries = this.entries();
    return Readable.from(
      (async function* () {
        let first = true;
        yield '[';
        for await (const entry of entries) {
          yield (first ? '\n' : ',\n') + JSON.stringify(entry);
          first = false;
        }
        yield first ? ']\n' : '\n]\n';
      })(),
      { objectMode: false },
    );
  }

  /**
   * The newest publications and removals, as Atom. A publication is shown while its entry is
   * published; a removal on expiry or revocation is shown as such. An entry removed on credit
   * repair leaves no trace: neither its publication nor its removal appears.
   */
  async atom(baseUrl: string, updatedFallback: Date): Promise<string> {
    const rows: FeedRow[] = await this.dataSource.query(
      `SELECT ev.id::text AS event_id, ev.type, b.id::text, e.uscc, e.name AS enterprise_name,
              r.name_zh AS reason_zh, p.name_zh AS department_zh, b.published_at, b.expires_at, b.removed_at,
              b.removal_reason
         FROM change_events ev
         JOIN blacklist_entries b ON b.id = (ev.data ->> 'entryId')::bigint
         JOIN enterprises e ON e.id = b.enterprise_id
         JOIN blacklist_reasons r ON r.code = b.reason_code
         JOIN departments p ON p.code = b.department_code
        WHERE ev.type IN ${BLACKLIST_EVENTS}
          AND ((ev.type = 'blacklist.published' AND b.status = 'published')
            OR (ev.type = 'blacklist.removed' AND b.status = 'removed' AND b.removal_reason IN ('expired', 'revoked')))
        ORDER BY ev.seq DESC
        LIMIT ${FEED_SIZE}`,
    );
    const entries = rows.map((row): AtomEntry => {
      const who = `${row.enterprise_name}（统一社会信用代码 ${row.uscc}）`;
      if (row.type === 'blacklist.published') {
        return {
          id: `urn:uuid:${row.event_id}`,
          title: `列入产品质量黑名单：${row.enterprise_name}`,
          updated: row.published_at,
          link: `${baseUrl}/blacklist/${row.id}`,
          summary: `${who}因“${row.reason_zh}”经${row.department_zh}决定，于${beijingDate(row.published_at)}列入产品质量黑名单，列入期限至${beijingDate(row.expires_at)}。`,
        };
      }
      const why = REMOVALS_ZH[row.removal_reason!];
      return {
        id: `urn:uuid:${row.event_id}`,
        title: `移出产品质量黑名单（${why}）：${row.enterprise_name}`,
        updated: row.removed_at!,
        // The entry's page is gone once it is removed; the list is where it was.
        link: `${baseUrl}/blacklist`,
        summary: `${who}因${why}，于${beijingDate(row.removed_at!)}移出产品质量黑名单。`,
      };
    });
    return atomFeed({
      id: FEED_ID,
      title: '温州市产品质量黑名单：列入与移出',
      self: `${baseUrl}/api/v1/public/blacklist.atom`,
      alternate: `${baseUrl}/blacklist`,
      author: '温州市质量信用信息平台',
      updated: entries.reduce((max, e) => (e.updated > max ? e.updated : max), entries[0]?.updated ?? updatedFallback),
      entries,
    });
  }

  private async checkDistrict(code: string): Promise<void> {
    const [found] = await this.dataSource.query(`SELECT 1 FROM districts WHERE code = $1`, [code]);
    if (!found) throw Problem.validation([{ field: 'districtCode', message: 'is not a district of Wenzhou' }]);
  }
}

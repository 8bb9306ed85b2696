import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Grade } from '../classification/rule-set';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { Asker } from './asker';
import { checkCodes } from './codes';
import { BatchStatusDto, BatchStatusRequestDto, CreditStatusDto, CreditStatusQuery } from './dto/credit-status.dto';
import { QueryLog } from './query-log';

interface StatusRow {
  uscc: string;
  name: string;
  district_code: string;
  grade: Grade | null;
  rule_set_version: number | null;
  entries: { id: string; reasonCode: string; publishedAt: string; expiresAt: string }[] | null;
}

const ENTRY_JSON = `json_agg(json_build_object('id', b.id::text, 'reasonCode', b.reason_code,
                     'publishedAt', b.published_at, 'expiresAt', b.expires_at) ORDER BY b.published_at, b.id)`;

/**
 * The status of many codes in one statement, in the order given ($1 holds distinct codes):
 * now from the current grade and the published entries; as of $2 from the grade interval that
 * covers it and the entries published by then and not yet removed or expired. It reads the
 * registry's, classification's and blacklist's tables, read-only, because one join over them
 * is what makes a 10 000-code screening a single round trip.
 */
function statusSql(asOf: boolean): string {
  const grade = asOf
    ? `LEFT JOIN LATERAL (
         SELECT h.grade, h.rule_set_version FROM classification_history h
          WHERE h.enterprise_id = e.id AND h.valid_from <= $2 AND (h.valid_to IS NULL OR h.valid_to > $2)
          ORDER BY h.valid_from DESC LIMIT 1) c ON true`
    : `LEFT JOIN classifications c ON c.enterprise_id = e.id`;
  const inForce = asOf
    ? `b.published_at <= $2 AND least(coalesce(b.removed_at, 'infinity'::timestamptz), b.expires_at) > $2`
    : `b.status = 'published'`;
  return `
    SELECT e.uscc, e.name, e.district_code, c.grade, c.rule_set_version, l.entries
      FROM unnest($1::text[]) WITH ORDINALITY AS u(uscc, n)
      JOIN enterprises e ON e.uscc = u.uscc
      ${grade}
      LEFT JOIN LATERAL (
        SELECT ${ENTRY_JSON} AS entries FROM blacklist_entries b WHERE b.enterprise_id = e.id AND ${inForce}) l ON true
     ORDER BY u.n`;
}
const STATUS_NOW = statusSql(false);
const STATUS_AS_OF = statusSql(true);

/** A bare date is 00:00 Beijing time that day; a time must not lie ahead. Null for "now". */
export function parseAsOf(asOf: string | undefined, now: Date): Date | null {
  if (asOf === undefined) return null;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(asOf) ? `${asOf}T00:00:00+08:00` : asOf);
  if (Number.isNaN(at.getTime())) {
    throw Problem.validation([{ field: 'asOf', message: 'must be a date (YYYY-MM-DD) or a date and time' }]);
  }
  if (at > now) throw Problem.validation([{ field: 'asOf', message: 'must not be in the future' }]);
  return at;
}

/**
 * Credit status for banks and tax offices: grade, rule-set version and blacklist state of one
 * code or of up to 10 000, now or as of a past time. Every answer is in the query log before it
 * is returned (one row per enterprise answered; unknown and invalid codes are not subjects).
 */
@Injectable()
export class CreditStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly allowList: UsccAllowListService,
    private readonly queryLog: QueryLog,
    private readonly clock: Clock,
  ) {}

  async one(input: string, query: CreditStatusQuery, asker: Asker): Promise<CreditStatusDto> {
    const now = this.clock.now();
    const asOf = parseAsOf(query.asOf, now);
    const { codes, invalid } = await checkCodes([input], this.allowList);
    if (invalid.length) throw Problem.validation([{ field: 'uscc', message: invalid[0].message }]);
    const [status] = await this.statuses(codes, asOf ?? now, asOf !== null);
    if (!status) throw Problem.notFound('Enterprise', codes[0]);
    await this.queryLog.record({ asker, purpose: query.purpose, usccs: [status.uscc], askedAt: now, asOf });
    return status;
  }

  async batch(request: BatchStatusRequestDto, asker: Asker): Promise<BatchStatusDto> {
    const now = this.clock.now();
    const asOf = parseAsOf(request.asOf, now);
    const { codes, invalid } = await checkCodes(request.usccs, this.allowList);
    const results = codes.length ? await this.statuses(codes, asOf ?? now, asOf !== null) : [];
    const found = new Set(results.map((r) => r.uscc));
    await this.queryLog.record({
      asker,
      purpose: request.purpose,
      usccs: results.map((r) => r.uscc),
      askedAt: now,
      asOf,
    });
    return {
      results,
      notFound: codes.filter((c) => !found.has(c)),
      invalid: invalid.map((c) => c.input),
    };
  }

  private async statuses(codes: string[], at: Date, past: boolean): Promise<CreditStatusDto[]> {
    const rows: StatusRow[] = past
      ? await this.dataSource.query(STATUS_AS_OF, [codes, at])
      : await this.dataSource.query(STATUS_NOW, [codes]);
    return rows.map((row) => ({
      uscc: row.uscc,
      name: row.name,
      districtCode: row.district_code,
      grade: row.grade,
      ruleSetVersion: row.rule_set_version,
      blacklisted: !!row.entries?.length,
      blacklistEntries: (row.entries ?? []).map((e) => ({
        id: e.id,
        reasonCode: e.reasonCode,
        publishedAt: new Date(e.publishedAt),
        expiresAt: new Date(e.expiresAt),
      })),
      asOf: at,
    }));
  }
}

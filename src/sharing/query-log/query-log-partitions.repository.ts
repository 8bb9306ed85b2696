import type { Client } from 'pg';
import { Month } from './months';

/** A query-log row as its archive holds it: every column of credit_queries, in the table's order. */
export interface ArchivedQuery {
  id: string;
  institution_id: string;
  api_key_id: string | null;
  user_id: string | null;
  purpose: string;
  uscc: string;
  /** ISO 8601 in UTC to the microsecond, as stored (a JS Date would keep milliseconds). */
  asked_at: string;
  as_of: string | null;
}

export const ARCHIVE_COLUMNS: (keyof ArchivedQuery)[] = [
  'id',
  'institution_id',
  'api_key_id',
  'user_id',
  'purpose',
  'uscc',
  'asked_at',
  'as_of',
];

/** Any fixed number: one worker at a time adds, detaches and archives the query log's months. */
const PARTITIONS_LOCK = 7_330_351;

/**
 * A month's partition waits this long for its lock before the job gives up and retries: a
 * detach must not sit in the lock queue in front of the lookups' inserts behind a long read.
 */
const LOCK_TIMEOUT = '3s';

/** Timestamp column `c` as text, UTC to the microsecond: `2031-02-10T09:30:00.123456Z`. */
const ISO_US = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A DEFAULT partition set aside with its rows (query_log_set_default_aside), to be filed. */
const FILING_TABLE = `c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition AND c.relname ~ '^credit_queries_filing_\\d+$'`;

/** Where Beijing month `month` (YYYY-MM) begins, as SQL of parameter `$n`. */
const monthStart = (n: number) => `($${n} || '-01')::timestamp AT TIME ZONE 'Asia/Shanghai'`;

/** A month's partition, attached or detached: `credit_queries_YYYY_MM` in the public schema. */
const MONTH_TABLE = `c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname ~ '^credit_queries_\\d{4}_\\d{2}$'`;

/**
 * The query log's partitions, on the owner's session (withOwnerSession): the app role may add,
 * detach or drop none of them. The table names come from the catalogue or from Month values, and
 * are quoted by format() or by the pg client's escapeIdentifier all the same.
 */
export class QueryLogPartitionsRepository {
  constructor(private readonly owner: Client) {}

  /** Holds the partitions' lock for the rest of the session (it ends with the session). */
  async lock(): Promise<void> {
    await this.owner.query(`SELECT pg_advisory_lock($1)`, [PARTITIONS_LOCK]);
    await this.owner.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
  }

  /**
   * Why this session cannot keep the months, or null when it can: adding, detaching and dropping
   * a partition are its owner's (or a member's), and query_log_add_month() is the owner's alone.
   */
  async cannotKeep(): Promise<string | null> {
    const { rows } = await this.owner.query<{ who: string; owns: boolean; adds: boolean; owner: string }>(
      `SELECT current_user AS who, pg_get_userbyid(c.relowner) AS owner,
              pg_has_role(current_user, c.relowner, 'USAGE') AS owns,
              has_function_privilege(current_user, 'query_log_add_month(date)', 'EXECUTE') AS adds
         FROM pg_class c WHERE c.oid = 'credit_queries'::regclass`,
    );
    const [me] = rows;
    return me.owns && me.adds ? null : `${me.who} is not the owner of credit_queries (${me.owner})`;
  }

  /** The months of the rows in the DEFAULT partition (those logged before their month was added). */
  async monthsInDefault(): Promise<Month[]> {
    const { rows } = await this.owner.query<{ month: Month }>(
      `SELECT DISTINCT to_char(asked_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month FROM credit_queries_default ORDER BY 1`,
    );
    return rows.map((r) => r.month);
  }

  /** Sets the DEFAULT partition aside with its rows, an empty one in its place (catalogue only). */
  async setDefaultAside(): Promise<string> {
    const { rows } = await this.owner.query<{ aside: string }>(`SELECT query_log_set_default_aside() AS aside`);
    return rows[0].aside;
  }

  /** The DEFAULT partitions set aside and not yet filed and dropped. */
  async filing(): Promise<string[]> {
    const { rows } = await this.owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c WHERE ${FILING_TABLE} ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  /** The months of the rows of table `name`. */
  async monthsIn(name: string): Promise<Month[]> {
    const { rows } = await this.owner.query<{ month: Month }>(
      `SELECT DISTINCT to_char(asked_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month
         FROM ${this.owner.escapeIdentifier(name)} ORDER BY 1`,
    );
    return rows.map((r) => r.month);
  }

  /**
   * Files up to `limit` rows of set-aside table `name` after id `after`, of month `kept` or later,
   * into credit_queries through the parent (each to its month): one short transaction, holding
   * only an insert's lock on the log. A row filed already (a run that died midway) is skipped.
   * Returns the last id read, or null when none is left.
   */
  async fileBatch(name: string, after: string, limit: number, kept: Month): Promise<string | null> {
    const { rows } = await this.owner.query<{ last: string | null }>(
      `WITH batch AS (SELECT * FROM ${this.owner.escapeIdentifier(name)} WHERE id > $1::bigint ORDER BY id LIMIT $2),
            filed AS (INSERT INTO credit_queries OVERRIDING SYSTEM VALUE
                      SELECT * FROM batch WHERE asked_at >= ${monthStart(3)} ON CONFLICT DO NOTHING)
       SELECT max(id)::text AS last FROM batch`,
      [after, limit, kept],
    );
    return rows[0].last;
  }

  /** Rows of set-aside table `name`, of month `kept` or later, not in credit_queries as they are there. */
  async unfiled(name: string, kept: Month): Promise<number> {
    const { rows } = await this.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.owner.escapeIdentifier(name)} f
        WHERE f.asked_at >= ${monthStart(1)}
          AND NOT EXISTS (SELECT 1 FROM credit_queries c WHERE c.id = f.id AND c.asked_at = f.asked_at AND c = f)`,
      [kept],
    );
    return rows[0].n;
  }

  /** Adds `month`'s partition, filing the DEFAULT partition's rows of it; false when it was there. */
  async addMonth(month: Month): Promise<boolean> {
    const { rows } = await this.owner.query<{ added: boolean }>(`SELECT query_log_add_month($1::date) AS added`, [
      `${month}-01`,
    ]);
    return rows[0].added;
  }

  /** The month partitions attached to credit_queries. */
  async attached(): Promise<string[]> {
    const { rows } = await this.owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'credit_queries'::regclass AND ${MONTH_TABLE} ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  /** Month tables no longer attached: detached for archiving, and not dropped yet. */
  async detached(): Promise<string[]> {
    const { rows } = await this.owner.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c WHERE ${MONTH_TABLE} AND NOT c.relispartition ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  /**
   * Detaches partition `name`: a change to the catalogue, no row is deleted. Not CONCURRENTLY,
   * which a table with a DEFAULT partition refuses; the plain form holds the parent's lock for the
   * catalogue change only, and waits at most LOCK_TIMEOUT for it.
   */
  async detach(name: string): Promise<void> {
    await this.withhold(name);
    await this.owner.query(`ALTER TABLE credit_queries DETACH PARTITION ${this.owner.escapeIdentifier(name)}`);
  }

  /**
   * Takes qc_app's rights on table `name`, when the role exists: a detached month or a set-aside
   * DEFAULT is the owner's alone until it is archived and dropped. Done on detaching, and again
   * before one left by an earlier run is filed or archived: a migration since then ran
   * grant_app_role(), which gives qc_app every table without an append-only guard, and these
   * lost theirs when they were detached.
   */
  async withhold(name: string): Promise<void> {
    const { rows } = await this.owner.query(`SELECT 1 FROM pg_roles WHERE rolname = 'qc_app'`);
    if (rows.length) await this.owner.query(`REVOKE ALL ON ${this.owner.escapeIdentifier(name)} FROM qc_app`);
  }

  /** The rows of table `name` (before month `before` only, when given). */
  async count(name: string, before?: Month): Promise<number> {
    const { rows } = await this.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.owner.escapeIdentifier(name)}
        WHERE $1::text IS NULL OR asked_at < ${monthStart(1)}`,
      [before ?? null],
    );
    return rows[0].n;
  }

  /** Up to `limit` rows of detached month `name` after id `after`, in id order (on its primary key; ids come as text). */
  async rowsAfter(name: string, after: string, limit: number, before?: Month): Promise<ArchivedQuery[]> {
    const { rows } = await this.owner.query<ArchivedQuery>(
      `SELECT ${ARCHIVE_COLUMNS.map((c) => (c === 'asked_at' || c === 'as_of' ? `${ISO_US(c)} AS ${c}` : c)).join(', ')} FROM ${this.owner.escapeIdentifier(name)}
        WHERE id > $1::bigint AND ($3::text IS NULL OR asked_at < ${monthStart(3)}) ORDER BY id LIMIT $2`,
      [after, limit, before ?? null],
    );
    return rows;
  }

  /** Drops detached month `name` (or a set-aside DEFAULT), once its archive is written and checked. */
  async drop(name: string): Promise<void> {
    await this.owner.query(`DROP TABLE ${this.owner.escapeIdentifier(name)}`);
  }
}

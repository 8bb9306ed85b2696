import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { copyLines } from '../database/pg-copy';
import { pgClient } from '../database/pg-pool';
import { RecordsRepository } from '../records/records.repository';
import { EnterprisesRepository } from '../registry/enterprises.repository';
import { ImportDto, ImportErrorDto } from './dto/import.dto';
import { ImportKind, ImportMode } from './import-kinds';
import type { ImportError } from './row-checker';

/** The import's own table of the rows that passed the row checks: dropped when its transaction ends. */
const STAGING = 'import_staging';

/**
 * The staging table's columns after `line` and `rejected`, per kind: the order of the values
 * the kind's `parse` gives (src/imports/import-kinds.ts), and the columns the owning module's
 * merge reads.
 */
const STAGING_COLUMNS: Record<ImportKind, string> = {
  records: `uscc varchar(18) COLLATE "C", type text, occurred_on date, document_no text COLLATE "C", summary text,
            severity text, hotline varchar(5), disclosed boolean`,
  enterprises: `uscc varchar(18) COLLATE "C", name text, district_code varchar(6), industry_code varchar(5),
                legal_representative text, address text, registered_on date`,
};

/** The column each kind's duplicate check looks back on (an earlier line with the same value). */
const STAGING_KEY: Record<ImportKind, string> = { records: 'document_no', enterprises: 'uscc' };

/**
 * Per kind, the staged rows with lines between $2 and $3 (`line`, `field`, `message`) that break
 * a rule needing the database. $4 is the uploader's district (null when city-wide).
 * - records: unknown enterprise, outside the uploader's district, before its registration, or a
 *   document number that an earlier line of the file has;
 * - enterprises: a district not among $5 (the registry's districts), a district other than the
 *   uploader's, or a code that an earlier line has.
 */
const STAGED_PROBLEMS: Record<ImportKind, string> = {
  records: `
      SELECT s.line,
             CASE WHEN e.id IS NULL OR e.district_code <> $4::varchar THEN 'uscc' ELSE 'occurredOn' END AS field,
             CASE WHEN e.id IS NULL THEN 'enterprise ' || s.uscc || ' is not registered'
                  WHEN e.district_code <> $4::varchar THEN 'enterprise ' || s.uscc || ' is in district ' || e.district_code
                                                  || '; you act for ' || $4::varchar || ' only'
                  ELSE 'must not be before the enterprise was registered (' || e.registered_on || ')' END AS message
        FROM ${STAGING} s LEFT JOIN registry_enterprises e ON e.uscc = s.uscc
       WHERE s.line BETWEEN $2 AND $3
         AND (e.id IS NULL OR e.district_code <> $4::varchar OR s.occurred_on < e.registered_on)
      UNION ALL
      SELECT s.line, 'documentNo', 'repeats document number ' || s.document_no || ' of line ' || f.first
        FROM ${STAGING} s
        CROSS JOIN LATERAL (SELECT min(p.line) AS first FROM ${STAGING} p
                             WHERE p.document_no = s.document_no AND p.line < s.line) f
       WHERE s.line BETWEEN $2 AND $3 AND f.first IS NOT NULL`,
  enterprises: `
      SELECT s.line, 'districtCode' AS field, 'district ' || s.district_code || ' does not exist' AS message
        FROM ${STAGING} s
       WHERE s.line BETWEEN $2 AND $3 AND NOT (s.district_code = ANY($5::varchar[]))
      UNION ALL
      SELECT s.line, 'districtCode', 'you act for district ' || $4::varchar || ' only'
        FROM ${STAGING} s WHERE s.line BETWEEN $2 AND $3 AND s.district_code <> $4::varchar
      UNION ALL
      SELECT s.line, 'uscc', 'repeats credit code ' || s.uscc || ' of line ' || f.first
        FROM ${STAGING} s
        CROSS JOIN LATERAL (SELECT min(p.line) AS first FROM ${STAGING} p WHERE p.uscc = s.uscc AND p.line < s.line) f
       WHERE s.line BETWEEN $2 AND $3 AND f.first IS NOT NULL`,
};

/** How an import ended: its audit entry's `after`, and what its row says. */
export interface ImportOutcome {
  status: 'completed' | 'rejected';
  totalRows: number;
  importedRows: number;
  skippedRows: number;
  rejectedRows: number;
}

/** An import's outcome as its row holds it, in whatever state the import is. */
export interface StoredOutcome {
  status: string;
  totalRows: number | null;
  importedRows: number;
  skippedRows: number;
  rejectedRows: number;
}

/** What the import job needs of an import. */
export interface ImportJobRow {
  id: string;
  kind: ImportKind;
  mode: ImportMode;
  status: string;
  departmentCode: string | null;
  jurisdiction: string | null;
  uploadedBy: string;
}

/** An import that ended failed or with rejected rows: what its uploader should look at (the console's to-do). */
export interface ImportAttention {
  id: string;
  kind: ImportKind;
  status: 'failed' | 'rejected' | 'completed';
  fileName: string;
  rejectedRows: number;
  finishedAt: Date;
}

/** Imports needing attention: finished since $1, by $2 (any uploader when null). ix_imports_attention holds them. */
const ATTENTION = `FROM imports
  WHERE (status IN ('failed', 'rejected') OR rejected_rows > 0) AND finished_at >= $1
    AND ($2::uuid IS NULL OR uploaded_by = $2)`;

/** An import as its uploader sees it (without its errors), and who uploaded it. */
export type ImportView = Omit<ImportDto, 'errors'> & { uploadedBy: string };

/** The lines of one chunk of a file, first and last (the rows between were staged together). */
export interface ChunkLines {
  from: number;
  to: number;
}

/**
 * imports and import_errors, and each running import's staging table: the COPY of a chunk's good
 * rows, the set-based checks of what needs the database, and the merge through the owning
 * module's bulk method. The staging statements run on the import job's connection and transaction.
 */
/** The columns an import's view is read from, and the view made of them. */
const VIEW_COLUMNS = `id, kind, mode, status, file_name, file_size, total_rows, processed_rows, imported_rows, skipped_rows,
  rejected_rows, failure, uploaded_by, created_at, started_at, finished_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row of VIEW_COLUMNS, read field by field
function toView(row: any): ImportView {
  return {
    id: row.id,
    kind: row.kind,
    mode: row.mode,
    status: row.status,
    fileName: row.file_name,
    fileSize: Number(row.file_size),
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    importedRows: row.imported_rows,
    skippedRows: row.skipped_rows,
    rejectedRows: row.rejected_rows,
    failure: row.failure,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    uploadedBy: row.uploaded_by,
  };
}

@Injectable()
export class ImportsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly records: RecordsRepository,
    private readonly enterprises: EnterprisesRepository,
  ) {}

  async create(row: {
    id: string;
    kind: string;
    mode: string;
    fileName: string;
    fileSize: number;
    fileSha256: string;
    departmentCode: string;
    jurisdiction: string | null;
    uploadedBy: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO imports (id, kind, mode, file_name, file_size, file_sha256, department_code, jurisdiction, uploaded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        row.id,
        row.kind,
        row.mode,
        row.fileName,
        row.fileSize,
        row.fileSha256,
        row.departmentCode,
        row.jurisdiction,
        row.uploadedBy,
      ],
    );
  }

  /** `id` is a UUID. */
  async find(id: string): Promise<ImportView | undefined> {
    const [row] = await this.db.query(`SELECT ${VIEW_COLUMNS} FROM imports WHERE id = $1`, [id]);
    return row ? toView(row) : undefined;
  }

  /** Imports that failed or rejected rows, finished since `since`, by this uploader (all when null), oldest first. */
  attention(since: Date, uploadedBy: string | null, limit: number): Promise<ImportAttention[]> {
    return this.db.query(
      `SELECT id, kind, status, file_name AS "fileName", rejected_rows AS "rejectedRows", finished_at AS "finishedAt"
         ${ATTENTION} ORDER BY finished_at, id LIMIT $3`,
      [since, uploadedBy, limit],
    );
  }

  async attentionCount(since: Date, uploadedBy: string | null): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n ${ATTENTION}`, [since, uploadedBy]);
    return n;
  }

  /** The first 1000 errors, by line. */
  errorsOf(id: string): Promise<ImportErrorDto[]> {
    return this.db.query(
      `SELECT line AS row, field, message FROM import_errors WHERE import_id = $1 ORDER BY line, field LIMIT 1000`,
      [id],
    );
  }

  /**
   * The latest imports, newest first: those `uploadedBy` uploaded, or everyone's (null, for an
   * administrator). Without their errors.
   */
  async recent(uploadedBy: string | null, limit: number): Promise<Omit<ImportView, 'uploadedBy'>[]> {
    const rows = await this.db.query(
      `SELECT ${VIEW_COLUMNS}
         FROM imports WHERE $1::uuid IS NULL OR uploaded_by = $1::uuid ORDER BY created_at DESC, id LIMIT $2`,
      [uploadedBy, limit],
    );
    return rows.map(toView);
  }

  /** Errors on lines after `afterLine`, by line, `limit` lines at most (all of a line's errors together). */
  errorsAfter(id: string, afterLine: number, limit: number): Promise<ImportError[]> {
    return this.db.query(
      `SELECT line, field, message FROM import_errors
        WHERE import_id = $1 AND line > $2
          AND line <= COALESCE((SELECT max(line) FROM (SELECT DISTINCT line FROM import_errors
                                 WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3) l), $2)
        ORDER BY line, field`,
      [id, afterLine, limit],
    );
  }

  async forJob(id: string): Promise<ImportJobRow | undefined> {
    const [row]: ImportJobRow[] = await this.db.query(
      `SELECT id, kind, mode, status, department_code AS "departmentCode", jurisdiction, uploaded_by AS "uploadedBy"
         FROM imports WHERE id = $1`,
      [id],
    );
    return row;
  }

  async unfinished(): Promise<{ id: string; status: string }[]> {
    return this.db.query(`SELECT id, status FROM imports WHERE status IN ('queued', 'running')`);
  }

  /** Ends an unfinished import `failed`, with the reason its uploader reads; a finished one stays as it is. */
  async markFailed(id: string, failure: string): Promise<void> {
    await this.db.query(
      `UPDATE imports SET status = 'failed', failure = $2, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, failure],
    );
  }

  /** Starting (over): errors written by an earlier, interrupted attempt go. */
  async start(id: string, totalRows: number): Promise<void> {
    await this.db.query(`DELETE FROM import_errors WHERE import_id = $1`, [id]);
    await this.db.query(
      `UPDATE imports SET status = 'running', started_at = now(), total_rows = $2, processed_rows = 0 WHERE id = $1`,
      [id, totalRows],
    );
  }

  async setProgress(id: string, processedRows: number): Promise<void> {
    await this.db.query(`UPDATE imports SET processed_rows = $2 WHERE id = $1`, [id, processedRows]);
  }

  async finish(manager: EntityManager, id: string, outcome: ImportOutcome): Promise<void> {
    await manager.query(
      `UPDATE imports SET status = $2, total_rows = $3, processed_rows = $3, imported_rows = $4, skipped_rows = $5,
                          rejected_rows = $6, finished_at = now() WHERE id = $1`,
      [id, outcome.status, outcome.totalRows, outcome.importedRows, outcome.skippedRows, outcome.rejectedRows],
    );
  }

  async saveErrors(importId: string, errors: ImportError[]): Promise<void> {
    if (!errors.length) return;
    await this.db.query(
      `INSERT INTO import_errors (import_id, line, field, message)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
      [importId, errors.map((e) => e.line), errors.map((e) => e.field), errors.map((e) => e.message)],
    );
  }

  /** Lines with at least one error (found by the row checks or the staged checks). */
  async rejectedLines(manager: EntityManager, importId: string): Promise<number> {
    const [{ rejected }] = await manager.query(
      `SELECT count(DISTINCT line)::int AS rejected FROM import_errors WHERE import_id = $1`,
      [importId],
    );
    return rejected;
  }

  /** The staging table of a kind, in the runner's transaction (dropped at its end). */
  async createStaging(runner: QueryRunner, kind: ImportKind): Promise<void> {
    await runner.query(
      `CREATE TEMP TABLE ${STAGING} (line integer, rejected boolean NOT NULL DEFAULT false, ${STAGING_COLUMNS[kind]}) ON COMMIT DROP`,
    );
    await runner.query(`CREATE INDEX ON ${STAGING} (${STAGING_KEY[kind]}, line)`);
  }

  /** COPYs a chunk's good rows (COPY text lines, as the row checker gives them) into the staging table. */
  async stage(runner: QueryRunner, lines: Iterable<string>): Promise<void> {
    await copyLines(pgClient(runner), `COPY ${STAGING} FROM STDIN`, lines);
    // A temporary table has no statistics until asked; the checks and the merge join on it.
    await runner.query(`ANALYZE ${STAGING}`);
  }

  /**
   * Runs the kind's staged checks over a chunk: each problem is saved as an import error and its
   * line marked rejected, in one statement. Returns the lines rejected.
   */
  async checkStaged(
    runner: QueryRunner,
    kind: ImportKind,
    importId: string,
    lines: ChunkLines,
    context: { jurisdiction: string | null; districtCodes: readonly string[] },
  ): Promise<number> {
    const params: unknown[] = [importId, lines.from, lines.to, context.jurisdiction];
    if (kind === 'enterprises') params.push(context.districtCodes);
    const rejected = await runner.query(
      `WITH problems AS (${STAGED_PROBLEMS[kind]}),
            saved AS (INSERT INTO import_errors (import_id, line, field, message)
                      SELECT $1, line, field, message FROM problems RETURNING line)
       UPDATE ${STAGING} SET rejected = true WHERE line IN (SELECT line FROM saved)`,
      params,
    );
    return rejected[1];
  }

  /** Merges a chunk's good rows through the owning module. Returns the rows inserted. */
  mergeStaged(
    runner: QueryRunner,
    row: Pick<ImportJobRow, 'id' | 'kind' | 'departmentCode' | 'uploadedBy'>,
    lines: ChunkLines,
  ): Promise<number> {
    const staged = { table: STAGING, fromLine: lines.from, toLine: lines.to };
    return row.kind === 'records'
      ? this.records.mergeStaged(runner.manager, staged, {
          departmentCode: row.departmentCode!,
          createdBy: row.uploadedBy,
          importId: row.id,
        })
      : this.enterprises.mergeStaged(runner.manager, staged);
  }

  /** The enterprises of the staged rows that were not rejected (whose records changed). */
  async stagedEnterprises(runner: QueryRunner): Promise<string[]> {
    const rows: { id: string }[] = await runner.query(
      `SELECT DISTINCT e.id::text AS id FROM ${STAGING} s JOIN registry_enterprises e ON e.uscc = s.uscc WHERE NOT s.rejected`,
    );
    return rows.map((r) => r.id);
  }
}

/**
 * The outcomes these imports' rows hold now, by import id: what the `after` of an import's audit
 * entry was built from when it finished (src/imports/import-job.ts `finish`). Read through the
 * audit verifier's manager; an import not finished has the columns it has (no total, status running).
 */
export async function importOutcomes(manager: EntityManager, ids: string[]): Promise<Map<string, StoredOutcome>> {
  const rows: {
    id: string;
    status: string;
    total_rows: number | null;
    imported_rows: number;
    skipped_rows: number;
    rejected_rows: number;
  }[] = await manager.query(
    `SELECT id::text, status, total_rows, imported_rows, skipped_rows, rejected_rows FROM imports
      WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(
    rows.map((i) => [
      i.id,
      {
        status: i.status,
        totalRows: i.total_rows,
        importedRows: i.imported_rows,
        skippedRows: i.skipped_rows,
        rejectedRows: i.rejected_rows,
      },
    ]),
  );
}

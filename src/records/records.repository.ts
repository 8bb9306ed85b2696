import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectReads } from '../database/read-replicas';
import { DataSource, EntityManager } from 'typeorm';
import { CreditRecord } from './credit-record.entity';
import { RecordDto } from './dto/record.dto';
import type { Hotline, RecordType, Severity } from './record-rules';

/** A record with its enterprise's code and the id of the correction that replaced it. */
export type RecordRow = CreditRecord & { uscc: string; supersededBy: string | null };

/** A record to write: what the recorder gave, who recorded it and what it corrects. */
export type NewRecord = Omit<CreditRecord, 'id' | 'createdAt' | 'handledBy'>;

/**
 * A record for `insertMany`, its enterprise named by code (bulk writers hold codes, not ids); an
 * unknown code is skipped.
 */
export interface BulkRecord {
  uscc: string;
  type: RecordType;
  severity: Severity | null;
  occurredOn: string;
  documentNo: string;
  summary: string;
  hotline: Hotline | null;
  disclosed: boolean;
  departmentCode: string;
  createdBy?: string | null;
}

/** A record `insertMany` wrote: its id, and the department and document number that name it. */
export interface InsertedRecord {
  id: string;
  departmentCode: string;
  documentNo: string;
}

/**
 * Rows an import has staged in a table of its own (`line`, `rejected`, and the record columns
 * `uscc`, `type`, `severity`, `occurred_on`, `document_no`, `summary`, `hotline`, `disclosed`),
 * and the lines of the chunk to merge.
 */
export interface StagedRecords {
  table: string;
  fromLine: number;
  toLine: number;
}

/** A disclosed record in force, as the public may read it (the department by its code). */
export interface DisclosedRecord {
  id: string;
  type: string;
  severity: string;
  /** `YYYY-MM-DD`. */
  occurredOn: string;
  documentNo: string;
  summary: string;
  departmentCode: string;
}

export function toDto(r: RecordRow): RecordDto {
  return {
    id: r.id,
    uscc: r.uscc,
    type: r.type,
    severity: r.severity,
    occurredOn: r.occurredOn,
    documentNo: r.documentNo,
    summary: r.summary,
    hotline: r.hotline,
    handledBy: r.handledBy,
    disclosed: r.disclosed,
    departmentCode: r.departmentCode,
    state: r.supersededBy ? 'superseded' : r.correction === 'withdraw' ? 'withdrawn' : 'current',
    supersedes: r.supersedesId,
    supersededBy: r.supersededBy,
    correction: r.correction,
    correctionReason: r.correctionReason,
    createdAt: r.createdAt,
  };
}

/**
 * A record's columns as `toRecordRow` reads them, from `credit_records r` joined with the
 * registry's published `registry_enterprises e`.
 */
const RECORD_COLUMNS = `r.id::text, r.enterprise_id::text, e.uscc, r.type, r.severity,
       to_char(r.occurred_on, 'YYYY-MM-DD') AS occurred_on, r.document_no, r.summary, r.hotline, r.handled_by,
       r.disclosed, r.department_code, r.supersedes_id::text, r.correction, r.correction_reason, r.created_by,
       r.created_at`;

function toRecordRow(r: Record<string, unknown>): RecordRow {
  return {
    id: r.id as string,
    enterpriseId: r.enterprise_id as string,
    uscc: r.uscc as string,
    type: r.type as RecordRow['type'],
    severity: r.severity as RecordRow['severity'],
    occurredOn: r.occurred_on as string,
    documentNo: r.document_no as string,
    summary: r.summary as string,
    hotline: r.hotline as RecordRow['hotline'],
    handledBy: r.handled_by as string | null,
    disclosed: r.disclosed as boolean,
    departmentCode: r.department_code as string,
    supersedesId: r.supersedes_id as string | null,
    correction: r.correction as RecordRow['correction'],
    correctionReason: r.correction_reason as string | null,
    createdBy: r.created_by as string | null,
    createdAt: r.created_at as Date,
    supersededBy: (r.superseded_by ?? null) as string | null,
  };
}

/**
 * credit_records (and the hotlines a complaint cites). Rows are only ever inserted: by hand one
 * at a time, by an import chunk by chunk from its staging table, by the demo seed in bulk; each
 * takes the handling department from the hotline and the enterprise from the registry's view.
 *
 * The modules above read the records here too: the public sees an enterprise's disclosed records
 * in force (neither withdrawn nor superseded by a correction), a credit report counts them
 * through the caller's manager (its snapshot), and the statistics count spot checks by district.
 * A recompute reads the records through the views this module publishes (`records_credit_records`,
 * `records_in_force`), in its one statement per chunk.
 */
@Injectable()
export class RecordsRepository {
  /** `reads`: the public, whole-register reads below, which a replica near enough may serve (ReadReplicas). */
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReads() private readonly reads: DataSource,
  ) {}

  async countOf(enterpriseId: string): Promise<number> {
    const [{ total }] = await this.db.query(
      `SELECT count(*)::int AS total FROM credit_records WHERE enterprise_id = $1`,
      [enterpriseId],
    );
    return total;
  }

  /** A page of an enterprise's records, newest event first. */
  pageOf(enterpriseId: string, offset: number, limit: number): Promise<RecordRow[]> {
    return this.select(
      this.db.manager,
      'r.enterprise_id = $1 ORDER BY r.occurred_on DESC, r.id DESC OFFSET $2 LIMIT $3',
      [enterpriseId, offset, limit],
    );
  }

  /** `id` is a record number (digits). */
  async find(manager: EntityManager, id: string): Promise<RecordRow | undefined> {
    const [row] = await this.select(manager, 'r.id = $1', [id]);
    return row;
  }

  /** One record, outside any transaction. */
  get(id: string): Promise<RecordRow | undefined> {
    return this.find(this.db.manager, id);
  }

  async insert(manager: EntityManager, row: NewRecord): Promise<string> {
    const [{ id }] = await manager.query(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                   disclosed, department_code, supersedes_id, correction, correction_reason, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::varchar, (SELECT handled_by FROM hotlines WHERE number = $7::varchar), $8, $9, $10, $11, $12, $13)
       RETURNING id`,
      [
        row.enterpriseId,
        row.type,
        row.severity,
        row.occurredOn,
        row.documentNo,
        row.summary,
        row.hotline,
        row.disclosed,
        row.departmentCode,
        row.supersedesId,
        row.correction,
        row.correctionReason,
        row.createdBy,
      ],
    );
    return String(id);
  }

  /**
   * Inserts new records (no corrections) in one statement, in the given order. A document number
   * its department already recorded, or an enterprise code not registered, is skipped. Returns
   * the rows inserted. Callers cut large sets into batches of some thousands.
   */
  async insertMany(manager: EntityManager, rows: readonly BulkRecord[]): Promise<InsertedRecord[]> {
    if (!rows.length) return [];
    return manager.query(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                     disclosed, department_code, created_by)
         SELECT e.id, r.type, r.severity, r.occurred_on, r.document_no, r.summary, r.hotline, h.handled_by,
                r.disclosed, r.department_code, r.created_by
           FROM unnest($1::varchar[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::varchar[],
                       $8::boolean[], $9::varchar[], $10::text[]) WITH ORDINALITY
                AS r (uscc, type, severity, occurred_on, document_no, summary, hotline, disclosed, department_code,
                      created_by, ord)
           JOIN registry_enterprises e ON e.uscc = r.uscc COLLATE "C"
           LEFT JOIN hotlines h ON h.number = r.hotline
          ORDER BY r.ord
       ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING
       RETURNING id::text, department_code AS "departmentCode", document_no AS "documentNo"`,
      [
        rows.map((r) => r.uscc),
        rows.map((r) => r.type),
        rows.map((r) => r.severity),
        rows.map((r) => r.occurredOn),
        rows.map((r) => r.documentNo),
        rows.map((r) => r.summary),
        rows.map((r) => r.hotline),
        rows.map((r) => r.disclosed),
        rows.map((r) => r.departmentCode),
        rows.map((r) => r.createdBy ?? null),
      ],
    );
  }

  /** Each complaint hotline's number and the department that handles its calls. */
  async hotlineHandlers(): Promise<Map<string, string>> {
    const rows: { number: string; handled_by: string }[] = await this.db.query(
      `SELECT number, handled_by FROM hotlines`,
    );
    return new Map(rows.map((h) => [h.number, h.handled_by]));
  }

  /**
   * Merges the staged rows of one import chunk that passed every check, in one statement. A
   * document number the department already recorded is skipped, so importing a file again adds
   * nothing. Returns the rows inserted.
   */
  async mergeStaged(
    manager: EntityManager,
    staged: StagedRecords,
    by: { departmentCode: string; createdBy: string; importId: string },
  ): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                     disclosed, department_code, created_by, import_id)
         SELECT e.id, s.type, s.severity, s.occurred_on, s.document_no, s.summary, s.hotline, h.handled_by,
                s.disclosed, $1, $2, $5
           FROM ${staged.table} s
           JOIN registry_enterprises e ON e.uscc = s.uscc
           LEFT JOIN hotlines h ON h.number = s.hotline
          WHERE s.line BETWEEN $3 AND $4 AND NOT s.rejected
         ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [by.departmentCode, by.createdBy, staged.fromLine, staged.toLine, by.importId],
    );
    return inserted;
  }

  /** An enterprise's disclosed records in force, newest occurrence first (at most `limit`; in the caller's snapshot with `manager`). */
  async disclosedInForce(
    enterpriseId: string,
    { manager = this.db.manager, limit = null }: { manager?: EntityManager; limit?: number | null } = {},
  ): Promise<DisclosedRecord[]> {
    const rows: Record<string, string>[] = await manager.query(
      `SELECT r.id::text, r.type, r.severity, to_char(r.occurred_on, 'YYYY-MM-DD') AS occurred_on, r.document_no,
              r.summary, r.department_code
         FROM credit_records_in_force r
        WHERE r.enterprise_id = $1 AND r.disclosed
        ORDER BY r.occurred_on DESC, r.id DESC
        LIMIT $2`,
      [enterpriseId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      severity: r.severity,
      occurredOn: r.occurred_on,
      documentNo: r.document_no,
      summary: r.summary,
      departmentCode: r.department_code,
    }));
  }

  /** How many disclosed records in force an enterprise has of each type, the types in order. */
  async disclosedCountsByType(
    enterpriseId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<Record<string, number>> {
    const [{ counts }]: { counts: Record<string, number> }[] = await manager.query(
      `SELECT coalesce(json_object_agg(r.type, r.n ORDER BY r.type), '{}') AS counts
         FROM (SELECT type, count(*)::int AS n FROM credit_records_in_force
                WHERE enterprise_id = $1 AND disclosed GROUP BY type) r`,
      [enterpriseId],
    );
    return counts;
  }

  /**
   * Spot checks in force (neither withdrawn nor superseded) between two dates, passed and failed,
   * by the district of the enterprise checked (the register's published view).
   */
  spotChecksByDistrict(from: string, to: string): Promise<{ districtCode: string; passed: number; failed: number }[]> {
    return this.reads.query(
      `SELECT e.district_code AS "districtCode",
              count(*) FILTER (WHERE r.type = 'spot_check_pass')::int AS passed,
              count(*) FILTER (WHERE r.type = 'spot_check_fail')::int AS failed
         FROM credit_records_in_force r JOIN registry_enterprises e ON e.id = r.enterprise_id
        WHERE r.type IN ('spot_check_pass', 'spot_check_fail') AND r.occurred_on BETWEEN $1 AND $2
        GROUP BY e.district_code`,
      [from, to],
    );
  }

  /** Records with their enterprise's code and the id of the correction that replaced them. */
  private async select(manager: EntityManager, where: string, params: unknown[]): Promise<RecordRow[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT ${RECORD_COLUMNS}, n.id::text AS superseded_by
         FROM credit_records r
         JOIN registry_enterprises e ON e.id = r.enterprise_id
         LEFT JOIN credit_records n ON n.supersedes_id = r.id
        WHERE ${where}`,
      params,
    );
    return rows.map(toRecordRow);
  }
}

/** A record made by hand (not merged by an import), and the record it corrects. */
export interface HandMadeRecord {
  id: string;
  supersedesId: string | null;
}

/** How many records one import merged. */
export interface ImportedRecords {
  importId: string;
  records: number;
}

/**
 * The reads the audit chain's verifier needs of credit_records (src/records/audited-records.ts
 * says which entry describes which record), through the verifier's manager.
 */
export const auditedRecordRows = {
  /** Every record made by hand, in id order (r.id: a bare `id` would be the text output column). */
  async handMade(manager: EntityManager): Promise<HandMadeRecord[]> {
    return manager.query(
      `SELECT r.id::text, r.supersedes_id::text AS "supersedesId" FROM credit_records r
        WHERE r.import_id IS NULL ORDER BY r.id`,
    );
  },

  /** The imports that merged records, with how many each has now. */
  async importCounts(manager: EntityManager): Promise<ImportedRecords[]> {
    return manager.query(
      `SELECT import_id::text AS "importId", count(*)::int AS records FROM credit_records
        WHERE import_id IS NOT NULL GROUP BY import_id`,
    );
  },

  /** The ids of the records these imports merged, ordered as text (`id` is the text output column). */
  async ofImports(manager: EntityManager, importIds: string[]): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id::text FROM credit_records WHERE import_id = ANY($1::uuid[]) ORDER BY id`,
      [importIds],
    );
    return rows.map((r) => r.id);
  },

  /**
   * The records with these ids and those that correct the records with `corrected` ids, as read
   * right after their insert (nothing superseding them); a record whose enterprise is gone keeps
   * a null code.
   */
  async asInserted(manager: EntityManager, ids: string[], corrected: string[]): Promise<RecordRow[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT ${RECORD_COLUMNS}
         FROM credit_records r
         LEFT JOIN registry_enterprises e ON e.id = r.enterprise_id
        WHERE r.id = ANY($1::bigint[]) OR r.supersedes_id = ANY($2::bigint[])`,
      [ids, corrected],
    );
    return rows.map(toRecordRow);
  },
};

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Recorder } from './recorder';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { DepartmentsService } from '../identity/departments.service';
import { EnterprisesService } from '../registry/enterprises.service';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { OutboxRepository } from '../outbox/outbox.repository';
import { CreditRecord } from './credit-record.entity';
import { CorrectRecordDto, CreateRecordDto, ListRecordsQuery, RecordDto } from './dto/record.dto';
import { disclosedByDefault, recordRuleErrors } from './record-rules';

/** Who is writing a record: the audit actor, their department and their district limit. */

const AMENDABLE = ['type', 'occurredOn', 'documentNo', 'summary', 'severity', 'hotline', 'disclosed'] as const;

export type RecordRow = CreditRecord & { uscc: string; supersededBy: string | null };

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
 * The quality-credit records: append-only. Recording takes the caller's department; a
 * correction (withdraw or amend) is a new row that supersedes the old one and may be made only
 * by the recording department or its successors. Correcting a disclosed record tells partners
 * through a `record.retracted` change event written in the same transaction.
 */
@Injectable()
export class RecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enterprises: EnterprisesService,
    private readonly departments: DepartmentsService,
    private readonly audit: AuditService,
    private readonly events: OutboxRepository,
    private readonly recompute: RecomputeRequests,
    private readonly clock: Clock,
  ) {}

  async create(uscc: string, dto: CreateRecordDto, recorder: Recorder): Promise<RecordDto> {
    const enterprise = await this.enterprises.resolve(uscc, recorder.jurisdiction);
    const errors = recordRuleErrors(dto, this.clock.today(), enterprise.registeredOn);
    if (errors.length) throw Problem.validation(errors);
    const created = this.audit.change(recorder.actor, async (manager) => {
      const id = await this.insert(manager, {
        enterpriseId: enterprise.id,
        type: dto.type,
        severity: dto.severity ?? null,
        occurredOn: dto.occurredOn,
        documentNo: dto.documentNo,
        summary: dto.summary,
        hotline: dto.hotline ?? null,
        disclosed: dto.disclosed ?? disclosedByDefault(dto.type),
        departmentCode: recorder.departmentCode,
        supersedesId: null,
        correction: null,
        correctionReason: null,
        createdBy: recorder.actor.id,
      });
      await this.recompute.note(manager, [enterprise.id]);
      const after = await this.get(manager, id);
      return { result: after, entry: { action: 'record.create', entityType: 'record', entityId: id, after } };
    });
    const record = await mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict(
          'duplicate-document',
          `Department ${recorder.departmentCode} already recorded document ${dto.documentNo}`,
        ),
    });
    await this.recompute.dispatch([enterprise.id]);
    return record;
  }

  async list(uscc: string, query: ListRecordsQuery, jurisdiction: string | null): Promise<Page<RecordDto>> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM credit_records WHERE enterprise_id = $1`,
      [enterprise.id],
    );
    const rows = await this.select(
      this.dataSource.manager,
      'r.enterprise_id = $1 ORDER BY r.occurred_on DESC, r.id DESC OFFSET $2 LIMIT $3',
      [enterprise.id, query.offset, query.pageSize],
    );
    return pageOf(rows.map(toDto), total, query);
  }

  async correct(id: string, dto: CorrectRecordDto, recorder: Recorder): Promise<RecordDto> {
    if (!/^\d{1,18}$/.test(id)) throw Problem.validation([{ field: 'id', message: 'must be a record number' }]);
    const amended = Object.fromEntries(AMENDABLE.filter((f) => dto[f] !== undefined).map((f) => [f, dto[f]]));
    if (dto.action === 'withdraw' && Object.keys(amended).length) {
      throw Problem.validation(
        Object.keys(amended).map((field) => ({ field, message: 'a withdrawal takes only a reason' })),
      );
    }
    if (dto.action === 'amend' && !Object.keys(amended).length) {
      throw Problem.badRequest('empty-amendment', `Name at least one field to amend: ${AMENDABLE.join(', ')}`);
    }
    const lineage = await this.departments.lineage(recorder.departmentCode);
    let enterpriseId = '';
    const corrected = this.audit.change(recorder.actor, async (manager) => {
      const [old] = await this.select(manager, 'r.id = $1', [id]);
      if (!old) throw Problem.notFound('Record', id);
      const enterprise = await this.enterprises.resolve(old.uscc, recorder.jurisdiction, manager);
      enterpriseId = enterprise.id;
      if (!lineage.includes(old.departmentCode)) {
        throw Problem.forbidden(
          `Only ${old.departmentCode} (or a department that took it over) may correct this record`,
        );
      }
      if (old.supersededBy) {
        throw Problem.conflict(
          'record-superseded',
          `Record ${id} is superseded by record ${old.supersededBy}; correct that one`,
        );
      }
      if (old.correction === 'withdraw')
        throw Problem.conflict('record-withdrawn', `Record ${id} is a withdrawal; nothing is left to correct`);
      const next = { ...old, ...amended };
      const errors = recordRuleErrors(next, this.clock.today(), enterprise.registeredOn);
      if (errors.length) throw Problem.validation(errors);
      const newId = await this.insert(manager, {
        ...next,
        severity: next.severity ?? null,
        hotline: next.hotline ?? null,
        departmentCode: recorder.departmentCode,
        supersedesId: old.id,
        correction: dto.action,
        correctionReason: dto.reason,
        createdBy: recorder.actor.id,
      });
      if (old.disclosed) {
        await this.events.append(manager, {
          type: 'record.retracted',
          uscc: old.uscc,
          data: {
            recordId: old.id,
            correctedBy: newId,
            action: dto.action,
            type: old.type,
            documentNo: old.documentNo,
            departmentCode: old.departmentCode,
          },
        });
      }
      await this.recompute.note(manager, [enterprise.id]);
      const after = await this.get(manager, newId);
      return {
        result: after,
        entry: { action: `record.${dto.action}`, entityType: 'record', entityId: old.id, before: toDto(old), after },
      };
    });
    // Two corrections of one record at once: the unique index on supersedes_id lets one through.
    const record = await mapConstraintErrors(corrected, {
      unique: (constraint) =>
        constraint === 'uq_credit_records_supersedes'
          ? Problem.conflict('record-superseded', `Record ${id} was corrected meanwhile; reload it`)
          : undefined,
    });
    await this.recompute.dispatch([enterpriseId]);
    return record;
  }

  /**
   * For a bulk import, chunk by chunk: SQL listing the staged rows with lines between $2 and $3
   * (`line`, `field`, `message`) that break a rule needing the database: unknown enterprise,
   * outside the uploader's district ($4, null when city-wide), before its registration, or a
   * document number that an earlier line of the file has.
   */
  stagedProblems(staging: string): string {
    return `
      SELECT s.line,
             CASE WHEN e.id IS NULL OR e.district_code <> $4::varchar THEN 'uscc' ELSE 'occurredOn' END AS field,
             CASE WHEN e.id IS NULL THEN 'enterprise ' || s.uscc || ' is not registered'
                  WHEN e.district_code <> $4::varchar THEN 'enterprise ' || s.uscc || ' is in district ' || e.district_code
                                                  || '; you act for ' || $4::varchar || ' only'
                  ELSE 'must not be before the enterprise was registered (' || e.registered_on || ')' END AS message
        FROM ${staging} s LEFT JOIN enterprises e ON e.uscc = s.uscc
       WHERE s.line BETWEEN $2 AND $3
         AND (e.id IS NULL OR e.district_code <> $4::varchar OR s.occurred_on < e.registered_on)
      UNION ALL
      SELECT s.line, 'documentNo', 'repeats document number ' || s.document_no || ' of line ' || f.first
        FROM ${staging} s
        CROSS JOIN LATERAL (SELECT min(p.line) AS first FROM ${staging} p
                             WHERE p.document_no = s.document_no AND p.line < s.line) f
       WHERE s.line BETWEEN $2 AND $3 AND f.first IS NOT NULL`;
  }

  /** The staging table's column to index for `stagedProblems`' look-back. */
  readonly stagedKey = 'document_no';

  /**
   * Merges the staged rows with lines between `from` and `to` that passed every check, in one
   * statement. A document number the department already recorded is skipped, so importing a
   * file again adds nothing. Returns the rows inserted.
   */
  async mergeStaged(
    manager: EntityManager,
    staging: string,
    lines: { from: number; to: number },
    recorder: { departmentCode: string; createdBy: string; importId: string },
  ): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                     disclosed, department_code, created_by, import_id)
         SELECT e.id, s.type, s.severity, s.occurred_on, s.document_no, s.summary, s.hotline, h.handled_by,
                s.disclosed, $1, $2, $5
           FROM ${staging} s
           JOIN enterprises e ON e.uscc = s.uscc
           LEFT JOIN hotlines h ON h.number = s.hotline
          WHERE s.line BETWEEN $3 AND $4 AND NOT s.rejected
         ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [recorder.departmentCode, recorder.createdBy, lines.from, lines.to, recorder.importId],
    );
    return inserted;
  }

  private async insert(
    manager: EntityManager,
    row: Omit<CreditRecord, 'id' | 'createdAt' | 'handledBy'>,
  ): Promise<string> {
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

  private async get(manager: EntityManager, id: string): Promise<RecordDto> {
    const [row] = await this.select(manager, 'r.id = $1', [id]);
    return toDto(row);
  }

  /** Records with their enterprise's code and the id of the correction that replaced them. */
  private async select(manager: EntityManager, where: string, params: unknown[]): Promise<RecordRow[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT ${RECORD_COLUMNS}, n.id::text AS superseded_by
         FROM credit_records r
         JOIN enterprises e ON e.id = r.enterprise_id
         LEFT JOIN credit_records n ON n.supersedes_id = r.id
        WHERE ${where}`,
      params,
    );
    return rows.map(toRecordRow);
  }
}

/** A record's columns as `toRecordRow` reads them, from `credit_records r` joined with `enterprises e`. */
export const RECORD_COLUMNS = `r.id::text, r.enterprise_id::text, e.uscc, r.type, r.severity,
       to_char(r.occurred_on, 'YYYY-MM-DD') AS occurred_on, r.document_no, r.summary, r.hotline, r.handled_by,
       r.disclosed, r.department_code, r.supersedes_id::text, r.correction, r.correction_reason, r.created_by,
       r.created_at`;

export function toRecordRow(r: Record<string, unknown>): RecordRow {
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

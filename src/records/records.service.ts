import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
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
import { CorrectRecordDto, CreateRecordDto, ListRecordsQuery, RecordDto } from './dto/record.dto';
import { disclosedByDefault, recordRuleErrors } from './record-rules';
import { RecordsRepository, toDto } from './records.repository';

const AMENDABLE = ['type', 'occurredOn', 'documentNo', 'summary', 'severity', 'hotline', 'disclosed'] as const;

/**
 * The quality-credit records: append-only. Recording takes the caller's department; a
 * correction (withdraw or amend) is a new row that supersedes the old one and may be made only
 * by the recording department or its successors. Correcting a disclosed record tells partners
 * through a `record.retracted` change event written in the same transaction.
 */
@Injectable()
export class RecordsService {
  constructor(
    private readonly records: RecordsRepository,
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
      const id = await this.records.insert(manager, {
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
        Problem.conflict('duplicate-document', {
          en: `Department ${recorder.departmentCode} already recorded document ${dto.documentNo}`,
          zh: `部门 ${recorder.departmentCode} 已录入文号为 ${dto.documentNo} 的记录`,
        }),
    });
    await this.recompute.dispatch([enterprise.id]);
    return record;
  }

  async list(uscc: string, query: ListRecordsQuery, jurisdiction: string | null): Promise<Page<RecordDto>> {
    const enterprise = await this.enterprises.resolve(uscc, jurisdiction);
    const total = await this.records.countOf(enterprise.id);
    const rows = await this.records.pageOf(enterprise.id, query.offset, query.pageSize);
    return pageOf(rows.map(toDto), total, query);
  }

  /** One record by its number: 404 unknown (or malformed), 403 when its enterprise is outside `jurisdiction`. */
  async findOne(id: string, jurisdiction: string | null): Promise<RecordDto> {
    const row = /^\d{1,18}$/.test(id) ? await this.records.get(id) : undefined;
    if (!row) throw Problem.notFound('Record', id);
    await this.enterprises.resolve(row.uscc, jurisdiction);
    return toDto(row);
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
      throw Problem.badRequest('empty-amendment', {
        en: `Name at least one field to amend: ${AMENDABLE.join(', ')}`,
        zh: `请至少填写一项要更正的字段：${AMENDABLE.join('、')}`,
      });
    }
    const lineage = await this.departments.lineage(recorder.departmentCode);
    let enterpriseId = '';
    const corrected = this.audit.change(recorder.actor, async (manager) => {
      const old = await this.records.find(manager, id);
      if (!old) throw Problem.notFound('Record', id);
      const enterprise = await this.enterprises.resolve(old.uscc, recorder.jurisdiction, manager);
      enterpriseId = enterprise.id;
      if (!lineage.includes(old.departmentCode)) {
        throw Problem.forbidden({
          en: `Only ${old.departmentCode} (or a department that took it over) may correct this record`,
          zh: `只有 ${old.departmentCode}（或承接其职责的部门）可以更正此记录`,
        });
      }
      if (old.supersededBy) {
        throw Problem.conflict('record-superseded', {
          en: `Record ${id} is superseded by record ${old.supersededBy}; correct that one`,
          zh: `记录 ${id} 已被记录 ${old.supersededBy} 取代，请更正后者`,
        });
      }
      if (old.correction === 'withdraw')
        throw Problem.conflict('record-withdrawn', {
          en: `Record ${id} is a withdrawal; nothing is left to correct`,
          zh: `记录 ${id} 是一条撤回，没有可更正的内容`,
        });
      const next = { ...old, ...amended };
      const errors = recordRuleErrors(next, this.clock.today(), enterprise.registeredOn);
      if (errors.length) throw Problem.validation(errors);
      const newId = await this.records.insert(manager, {
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
          ? Problem.conflict('record-superseded', {
              en: `Record ${id} was corrected meanwhile; reload it`,
              zh: `记录 ${id} 已被他人更正，请重新加载`,
            })
          : undefined,
    });
    await this.recompute.dispatch([enterpriseId]);
    return record;
  }

  private async get(manager: EntityManager, id: string): Promise<RecordDto> {
    return toDto((await this.records.find(manager, id))!);
  }
}

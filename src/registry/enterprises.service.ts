import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { lookupUscc } from '../common/uscc';
import { CreateEnterpriseDto, EnterpriseDto, ListEnterprisesQuery, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { Enterprise } from './enterprise.entity';
import { EnterpriseGrades } from './enterprise-grades';
import { EnterprisesRepository, EnterpriseName } from './enterprises.repository';

export function toEnterpriseDto(e: Enterprise, grade: EnterpriseDto['grade'] = null): EnterpriseDto {
  return {
    uscc: e.uscc,
    name: e.name,
    districtCode: e.districtCode,
    industryCode: e.industryCode,
    legalRepresentative: e.legalRepresentative,
    address: e.address,
    registeredOn: e.registeredOn,
    status: e.status,
    grade,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/**
 * The enterprise register. `jurisdiction` is the caller's district when they are limited to
 * one (a district-level regulator or reviewer), or null for city-wide callers.
 */
@Injectable()
export class EnterprisesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: EnterprisesRepository,
    private readonly grades: EnterpriseGrades,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateEnterpriseDto, actor: Actor, jurisdiction: string | null): Promise<EnterpriseDto> {
    this.assertNotFuture(dto.registeredOn);
    if (jurisdiction && dto.districtCode !== jurisdiction) {
      throw Problem.forbidden({
        en: `You act for district ${jurisdiction} only; this enterprise is in ${dto.districtCode}`,
        zh: `您仅负责区县 ${jurisdiction}，该企业位于 ${dto.districtCode}`,
      });
    }
    const created = this.audit.change(actor, async (manager) => {
      const saved = await this.repository.insert(manager, dto);
      const after = toEnterpriseDto(await this.repository.get(manager, saved.id));
      return {
        result: after,
        entry: { action: 'enterprise.create', entityType: 'enterprise', entityId: after.uscc, after },
      };
    });
    return mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict('duplicate-enterprise', {
          en: `An enterprise with credit code ${dto.uscc} is already registered`,
          zh: `统一社会信用代码为 ${dto.uscc} 的企业已登记`,
        }),
      foreignKey: () =>
        Problem.validation([{ field: 'districtCode', message: `district ${dto.districtCode} does not exist` }]),
    });
  }

  async findOne(uscc: string, jurisdiction: string | null = null): Promise<EnterpriseDto> {
    const [dto] = await this.withGrades([await this.load(this.dataSource.manager, uscc, jurisdiction)]);
    return dto;
  }

  /**
   * The enterprise behind a path code, for other modules that attach things to it:
   * 400 malformed, 404 unknown, 403 outside the caller's district.
   */
  resolve(
    uscc: string,
    jurisdiction: string | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Enterprise> {
    return this.load(manager, uscc, jurisdiction);
  }

  count(): Promise<number> {
    return this.repository.count();
  }

  /**
   * The enterprises cut into key ranges of `size`, in key order: the chunks of the full recompute
   * and the dry run. Each range is found from the primary key's index alone; an enterprise
   * created while the walk runs falls in a later range or is graded by its own regrade.
   */
  async *keyRanges(size: number): AsyncGenerator<{ fromId: string; toId: string }> {
    for (let after = '0'; ;) {
      const range = await this.repository.rangeAfter(after, size);
      if (range.fromId === null || range.toId === null) return;
      yield { fromId: range.fromId, toId: range.toId };
      after = range.toId;
    }
  }

  exists(uscc: string): Promise<boolean> {
    return this.repository.exists(uscc);
  }

  /** Code and name of each of these enterprises that exists, by id (what other modules show beside their rows). */
  namesByIds(ids: string[]): Promise<Map<string, EnterpriseName>> {
    return this.repository.namesByIds(ids);
  }

  async update(
    uscc: string,
    dto: UpdateEnterpriseDto,
    actor: Actor,
    jurisdiction: string | null,
  ): Promise<EnterpriseDto> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) {
      throw Problem.badRequest('empty-update', {
        en: 'Name at least one of name, address, legalRepresentative, status',
        zh: '请至少填写 name、address、legalRepresentative、status 中的一项',
      });
    }
    return this.audit.change(actor, async (manager) => {
      const before = await this.load(manager, uscc, jurisdiction, true);
      await this.repository.update(manager, before.id, changes);
      const [after] = await this.withGrades([await this.repository.get(manager, before.id)], manager);
      return {
        result: after,
        entry: {
          action: 'enterprise.update',
          entityType: 'enterprise',
          entityId: after.uscc,
          before: toEnterpriseDto(before, after.grade),
          after,
        },
      };
    });
  }

  async search(query: ListEnterprisesQuery, jurisdiction: string | null): Promise<Page<EnterpriseDto>> {
    if (jurisdiction && query.districtCode && query.districtCode !== jurisdiction) {
      throw Problem.forbidden({
        en: `You act for district ${jurisdiction} only`,
        zh: `您仅负责区县 ${jurisdiction}`,
      });
    }
    const [rows, total] = await this.repository.search({
      districtCode: jurisdiction ?? query.districtCode,
      q: query.q,
      ids: query.grade ? await this.grades.withGrade(query.grade) : undefined,
      offset: query.offset,
      pageSize: query.pageSize,
    });
    return pageOf(await this.withGrades(rows), total, query);
  }

  /** The files with each one's current grade (the classification module's, through the EnterpriseGrades port). */
  private async withGrades(rows: Enterprise[], manager?: EntityManager): Promise<EnterpriseDto[]> {
    const byId = rows.length
      ? await this.grades.of(
          rows.map((r) => String(r.id)),
          manager,
        )
      : new Map();
    return rows.map((r) => toEnterpriseDto(r, byId.get(String(r.id)) ?? null));
  }

  /** The enterprise for a code given in a path: 400 malformed, 404 unknown, 403 outside the caller's district. */
  private async load(
    manager: EntityManager,
    usccInput: string,
    jurisdiction: string | null,
    lock = false,
  ): Promise<Enterprise> {
    const uscc = lookupUscc(usccInput);
    const enterprise = await this.repository.findByUscc(manager, uscc, lock);
    if (!enterprise) throw Problem.notFound('Enterprise', uscc);
    if (jurisdiction && enterprise.districtCode !== jurisdiction) {
      throw Problem.forbidden({
        en: `You act for district ${jurisdiction} only; this enterprise is in ${enterprise.districtCode}`,
        zh: `您仅负责区县 ${jurisdiction}，该企业位于 ${enterprise.districtCode}`,
      });
    }
    return enterprise;
  }

  private assertNotFuture(date: string | undefined): void {
    if (date && date > this.clock.today()) {
      throw Problem.validation([{ field: 'registeredOn', message: 'must not be in the future' }]);
    }
  }
}

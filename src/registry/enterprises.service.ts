import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Page, pageOf } from '../common/pagination';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { escapeLike } from '../database/sql-filter';
import { lookupUscc } from '../common/uscc';
import { CreateEnterpriseDto, EnterpriseDto, ListEnterprisesQuery, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { Enterprise } from './enterprise.entity';

const CODE_FRAGMENT = /^[0-9A-HJ-NPQRTUWXY]{2,18}$/;

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
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async create(dto: CreateEnterpriseDto, actor: Actor, jurisdiction: string | null): Promise<EnterpriseDto> {
    this.assertNotFuture(dto.registeredOn);
    if (jurisdiction && dto.districtCode !== jurisdiction) {
      throw Problem.forbidden(`You act for district ${jurisdiction} only; this enterprise is in ${dto.districtCode}`);
    }
    const created = this.audit.change(actor, async (manager) => {
      const saved = await manager.save(manager.create(Enterprise, { ...dto }));
      const after = toEnterpriseDto(await manager.findOneByOrFail(Enterprise, { id: saved.id }));
      return {
        result: after,
        entry: { action: 'enterprise.create', entityType: 'enterprise', entityId: after.uscc, after },
      };
    });
    return mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict('duplicate-enterprise', `An enterprise with credit code ${dto.uscc} is already registered`),
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

  /**
   * For a bulk import, chunk by chunk: SQL listing the staged rows with lines between $2 and $3
   * (`line`, `field`, `message`) with an unknown district, a district other than the uploader's
   * ($4, null when city-wide), or a code that an earlier line has.
   */
  stagedProblems(staging: string): string {
    return `
      SELECT s.line, 'districtCode' AS field, 'district ' || s.district_code || ' does not exist' AS message
        FROM ${staging} s LEFT JOIN districts d ON d.code = s.district_code
       WHERE s.line BETWEEN $2 AND $3 AND d.code IS NULL
      UNION ALL
      SELECT s.line, 'districtCode', 'you act for district ' || $4::varchar || ' only'
        FROM ${staging} s WHERE s.line BETWEEN $2 AND $3 AND s.district_code <> $4::varchar
      UNION ALL
      SELECT s.line, 'uscc', 'repeats credit code ' || s.uscc || ' of line ' || f.first
        FROM ${staging} s
        CROSS JOIN LATERAL (SELECT min(p.line) AS first FROM ${staging} p WHERE p.uscc = s.uscc AND p.line < s.line) f
       WHERE s.line BETWEEN $2 AND $3 AND f.first IS NOT NULL`;
  }

  /** The staging table's column to index for `stagedProblems`' look-back. */
  readonly stagedKey = 'uscc';

  /** Merges the good staged rows with lines between `from` and `to`; a registered code is skipped. Returns the rows inserted. */
  async mergeStaged(manager: EntityManager, staging: string, lines: { from: number; to: number }): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on)
         SELECT uscc, name, district_code, industry_code, legal_representative, address, registered_on FROM ${staging}
          WHERE line BETWEEN $1 AND $2 AND NOT rejected
         ON CONFLICT (uscc) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [lines.from, lines.to],
    );
    return inserted;
  }

  async count(): Promise<number> {
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM enterprises`);
    return total;
  }

  /**
   * The enterprises cut into key ranges of `size`, in key order: the chunks of the full recompute
   * and the dry run. Each range is found from the primary key's index alone; an enterprise
   * created while the walk runs falls in a later range or is graded by its own regrade.
   */
  async *keyRanges(size: number): AsyncGenerator<{ fromId: string; toId: string }> {
    for (let after = '0'; ;) {
      const [range]: { fromId: string | null; toId: string | null }[] = await this.dataSource.query(
        `SELECT min(id)::text AS "fromId", max(id)::text AS "toId"
           FROM (SELECT id FROM enterprises WHERE id > $1 ORDER BY id LIMIT $2) chunk`,
        [after, size],
      );
      if (range.fromId === null || range.toId === null) return;
      yield { fromId: range.fromId, toId: range.toId };
      after = range.toId;
    }
  }

  async exists(uscc: string): Promise<boolean> {
    return (await this.dataSource.query(`SELECT 1 FROM enterprises WHERE uscc = $1`, [uscc])).length > 0;
  }

  async update(
    uscc: string,
    dto: UpdateEnterpriseDto,
    actor: Actor,
    jurisdiction: string | null,
  ): Promise<EnterpriseDto> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) {
      throw Problem.badRequest('empty-update', 'Name at least one of name, address, legalRepresentative, status');
    }
    return this.audit.change(actor, async (manager) => {
      const before = await this.load(manager, uscc, jurisdiction, true);
      await manager.update(Enterprise, { id: before.id }, changes);
      const [after] = await this.withGrades([await manager.findOneByOrFail(Enterprise, { id: before.id })], manager);
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
      throw Problem.forbidden(`You act for district ${jurisdiction} only`);
    }
    const qb = this.dataSource.getRepository(Enterprise).createQueryBuilder('e');
    const district = jurisdiction ?? query.districtCode;
    if (district) qb.andWhere('e.districtCode = :district', { district });
    if (query.q) {
      const code = query.q.toUpperCase();
      const byName = 'e.name ILIKE :fragment';
      if (CODE_FRAGMENT.test(code)) {
        qb.andWhere(`(e.uscc LIKE :prefix OR ${byName})`, { prefix: `${escapeLike(code)}%` });
      } else {
        qb.andWhere(byName);
      }
      qb.setParameter('fragment', `%${escapeLike(query.q)}%`);
      // Exact code first, then names that start with the text, then the rest.
      qb.addSelect(`CASE WHEN e.uscc = :code THEN 0 WHEN e.name ILIKE :start THEN 1 ELSE 2 END`, 'rank')
        .setParameters({ code, start: `${escapeLike(query.q)}%` })
        .orderBy('rank');
    }
    qb.addOrderBy('e.uscc').offset(query.offset).limit(query.pageSize);
    if (query.grade) {
      qb.andWhere('EXISTS (SELECT 1 FROM classifications c WHERE c.enterprise_id = e.id AND c.grade = :grade)', {
        grade: query.grade,
      });
    }
    const [rows, total] = await qb.getManyAndCount();
    return pageOf(await this.withGrades(rows), total, query);
  }

  /**
   * The files with each one's current grade, read in one query from the classification
   * module's table of current grades (a read-only join for display; that module writes it).
   */
  private async withGrades(
    rows: Enterprise[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EnterpriseDto[]> {
    const grades: { id: string; grade: EnterpriseDto['grade'] }[] = rows.length
      ? await manager.query(
          `SELECT enterprise_id::text AS id, grade FROM classifications WHERE enterprise_id = ANY($1::bigint[])`,
          [rows.map((r) => r.id)],
        )
      : [];
    const byId = new Map(grades.map((g) => [g.id, g.grade]));
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
    const enterprise = await manager.findOne(Enterprise, {
      where: { uscc },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!enterprise) throw Problem.notFound('Enterprise', uscc);
    if (jurisdiction && enterprise.districtCode !== jurisdiction) {
      throw Problem.forbidden(
        `You act for district ${jurisdiction} only; this enterprise is in ${enterprise.districtCode}`,
      );
    }
    return enterprise;
  }

  private assertNotFuture(date: string | undefined): void {
    if (date && date > this.clock.today()) {
      throw Problem.validation([{ field: 'registeredOn', message: 'must not be in the future' }]);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectReads } from '../database/read-replicas';
import { DataSource, EntityManager } from 'typeorm';
import { escapeLike } from '../database/sql-filter';
import type { CreateEnterpriseDto, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { Enterprise, EnterpriseStatus } from './enterprise.entity';

const CODE_FRAGMENT = /^[0-9A-HJ-NPQRTUWXY]{2,18}$/;

/** What the register's list is narrowed by. */
export interface EnterpriseFilter {
  districtCode?: string | null;
  /** A credit-code prefix or a fragment of the name. */
  q?: string;
  /** Only these enterprises (by id), when given. */
  ids?: string[];
  offset: number;
  pageSize: number;
}

/** An enterprise for `insertMany`: its registration facts (bulk writers such as the demo seed). */
export interface BulkEnterprise {
  uscc: string;
  name: string;
  districtCode: string;
  industryCode: string | null;
  legalRepresentative: string | null;
  address: string | null;
  /** YYYY-MM-DD */
  registeredOn: string;
  status: EnterpriseStatus;
}

/** An import's staged chunk of enterprises: its staging table and the lines of the chunk. */
export interface StagedEnterprises {
  table: string;
  fromLine: number;
  toLine: number;
}

/** What other modules show of an enterprise they refer to by its internal id. */
export interface EnterpriseName {
  uscc: string;
  name: string;
}

/** An enterprise as the register knows it, with its district's names. */
export interface EnterpriseProfile {
  id: string;
  uscc: string;
  name: string;
  districtCode: string;
  district: { zh: string; en: string };
  status: string;
  /** Personal data: whoever shows it to the public masks it. */
  legalRepresentative: string | null;
  /** YYYY-MM-DD, when known. */
  registeredOn: string | null;
  /** GB/T 4754 industry (a section letter and 2-4 digits), when known. */
  industryCode: string | null;
}

interface ProfileRow {
  id: string;
  uscc: string;
  name: string;
  district_code: string;
  district_zh: string;
  district_en: string;
  status: string;
  legal_representative: string | null;
  registered_on: string | null;
  industry_code: string | null;
}

/**
 * The enterprise register's rows: the register's own reads and writes, the set-based paths a bulk
 * import merges through, and the reads the modules above it make. Those are set-based (a page of
 * the blacklist asks once for the names of all its enterprises), and the ones that may run inside
 * a caller's transaction take its manager so they see its snapshot.
 */
@Injectable()
export class EnterprisesRepository {
  /** `reads`: the public, whole-register reads below, which a replica near enough may serve (ReadReplicas). */
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectReads() private readonly reads: DataSource,
  ) {}

  insert(manager: EntityManager, dto: CreateEnterpriseDto): Promise<Enterprise> {
    return manager.save(manager.create(Enterprise, { ...dto }));
  }

  get(manager: EntityManager, id: string): Promise<Enterprise> {
    return manager.findOneByOrFail(Enterprise, { id });
  }

  /** The enterprise with this code, locked until the transaction ends when `lock`. */
  findByUscc(manager: EntityManager, uscc: string, lock = false): Promise<Enterprise | null> {
    return manager.findOne(Enterprise, {
      where: { uscc },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }

  async update(manager: EntityManager, id: string, changes: UpdateEnterpriseDto): Promise<void> {
    await manager.update(Enterprise, { id }, changes);
  }

  async exists(uscc: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM enterprises WHERE uscc = $1`, [uscc])).length > 0;
  }

  async count(): Promise<number> {
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM enterprises`);
    return total;
  }

  /** The next `size` ids after `after` in key order, as a range (nulls past the end), from the primary key's index alone. */
  async rangeAfter(after: string, size: number): Promise<{ fromId: string | null; toId: string | null }> {
    const [range] = await this.db.query(
      `SELECT min(id)::text AS "fromId", max(id)::text AS "toId"
         FROM (SELECT id FROM enterprises WHERE id > $1 ORDER BY id LIMIT $2) chunk`,
      [after, size],
    );
    return range;
  }

  /**
   * A page of the register and how many match: by district, by code prefix or name fragment (the
   * exact code first, then names that start with the text, then the rest), then by code.
   */
  search(filter: EnterpriseFilter): Promise<[Enterprise[], number]> {
    const qb = this.db.getRepository(Enterprise).createQueryBuilder('e');
    if (filter.districtCode) qb.andWhere('e.districtCode = :district', { district: filter.districtCode });
    if (filter.q) {
      const code = filter.q.toUpperCase();
      const byName = 'e.name ILIKE :fragment';
      if (CODE_FRAGMENT.test(code)) {
        qb.andWhere(`(e.uscc LIKE :prefix OR ${byName})`, { prefix: `${escapeLike(code)}%` });
      } else {
        qb.andWhere(byName);
      }
      qb.setParameter('fragment', `%${escapeLike(filter.q)}%`);
      qb.addSelect(`CASE WHEN e.uscc = :code THEN 0 WHEN e.name ILIKE :start THEN 1 ELSE 2 END`, 'rank')
        .setParameters({ code, start: `${escapeLike(filter.q)}%` })
        .orderBy('rank');
    }
    qb.addOrderBy('e.uscc').offset(filter.offset).limit(filter.pageSize);
    if (filter.ids) qb.andWhere('e.id = ANY(:ids::bigint[])', { ids: filter.ids });
    return qb.getManyAndCount();
  }

  /** Inserts enterprises in one statement; a registered code is skipped. Returns the rows inserted. */
  async insertMany(manager: EntityManager, rows: readonly BulkEnterprise[]): Promise<number> {
    if (!rows.length) return 0;
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on,
                                  status)
         SELECT * FROM unnest($1::varchar[], $2::text[], $3::varchar[], $4::varchar[], $5::text[], $6::text[],
                              $7::date[], $8::text[])
         ON CONFLICT (uscc) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [
        rows.map((e) => e.uscc),
        rows.map((e) => e.name),
        rows.map((e) => e.districtCode),
        rows.map((e) => e.industryCode),
        rows.map((e) => e.legalRepresentative),
        rows.map((e) => e.address),
        rows.map((e) => e.registeredOn),
        rows.map((e) => e.status),
      ],
    );
    return inserted;
  }

  /**
   * For a bulk import of enterprises: merges the good rows of one staged chunk (the import's own
   * staging table: `line`, `rejected`, and the enterprise columns `uscc`, `name`,
   * `district_code`, `industry_code`, `legal_representative`, `address`, `registered_on`); a
   * registered code is skipped. Returns the rows inserted.
   */
  async mergeStaged(manager: EntityManager, staged: StagedEnterprises): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on)
         SELECT uscc, name, district_code, industry_code, legal_representative, address, registered_on FROM ${staged.table}
          WHERE line BETWEEN $1 AND $2 AND NOT rejected
         ON CONFLICT (uscc) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [staged.fromLine, staged.toLine],
    );
    return inserted;
  }

  /** Code and name of each of these enterprises that exists, by id. */
  async namesByIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, EnterpriseName>> {
    if (ids.length === 0) return new Map();
    const rows: ({ id: string } & EnterpriseName)[] = await manager.query(
      `SELECT id::text, uscc, name FROM enterprises WHERE id = ANY($1::bigint[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, { uscc: r.uscc, name: r.name }]));
  }

  /** The id of the enterprise with this (normalised) credit code; null when none is registered. */
  async idOf(uscc: string, manager: EntityManager = this.db.manager): Promise<string | null> {
    const [row]: { id: string }[] = await manager.query(`SELECT id::text FROM enterprises WHERE uscc = $1`, [uscc]);
    return row?.id ?? null;
  }

  /** The enterprise with this (normalised) credit code and its district's names, or undefined. */
  async profileByUscc(uscc: string, manager: EntityManager = this.db.manager): Promise<EnterpriseProfile | undefined> {
    const [e]: ProfileRow[] = await manager.query(
      `SELECT e.id::text, e.uscc, e.name, e.district_code, d.name_zh AS district_zh, d.name_en AS district_en,
              e.status, e.legal_representative, to_char(e.registered_on, 'YYYY-MM-DD') AS registered_on, e.industry_code
         FROM enterprises e JOIN districts d ON d.code = e.district_code
        WHERE e.uscc = $1`,
      [uscc],
    );
    return (
      e && {
        id: e.id,
        uscc: e.uscc,
        name: e.name,
        districtCode: e.district_code,
        district: { zh: e.district_zh, en: e.district_en },
        status: e.status,
        legalRepresentative: e.legal_representative,
        registeredOn: e.registered_on,
        industryCode: e.industry_code,
      }
    );
  }

  /** The planner's count of enterprises (from the last ANALYZE), 0 before the first. */
  async estimatedCount(): Promise<number> {
    const [{ n }]: { n: number }[] = await this.reads.query(
      `SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'enterprises'::regclass`,
    );
    return n;
  }
}

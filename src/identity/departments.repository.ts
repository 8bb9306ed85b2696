import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { keyedAuditedTable } from '../audit/audited-table';
import { Department } from './department.entity';
import type { CreateDepartmentDto, DepartmentDto, UpdateDepartmentDto } from './dto/department.dto';

export function toDepartmentDto(d: Department): DepartmentDto {
  const { code, nameZh, nameEn, kind, successorCode, mergedAt } = d;
  return { code, nameZh, nameEn, kind, successorCode, mergedAt };
}

export interface DepartmentName {
  zh: string;
  en: string;
}

/**
 * The departments and their mergers (a merged department keeps its row, with its successor), and
 * what the modules above read of them: the names of those who decided or recorded something, and
 * the departments that consume the registry's data.
 */
@Injectable()
export class DepartmentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(): Promise<Department[]> {
    return this.db.getRepository(Department).find({ order: { code: 'ASC' } });
  }

  find(code: string, manager: EntityManager = this.db.manager): Promise<Department | null> {
    return manager.findOneBy(Department, { code });
  }

  get(manager: EntityManager, code: string): Promise<Department> {
    return manager.findOneByOrFail(Department, { code });
  }

  /** The department, locked until the transaction ends. */
  lock(manager: EntityManager, code: string): Promise<Department | null> {
    return manager.findOne(Department, { where: { code }, lock: { mode: 'pessimistic_write' } });
  }

  /** Both departments there are of these codes, locked in code order (two opposite merges cannot deadlock). */
  lockPair(manager: EntityManager, code: string, other: string): Promise<Department[]> {
    return manager.find(Department, {
      where: [{ code }, { code: other }],
      order: { code: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async insert(manager: EntityManager, dto: CreateDepartmentDto): Promise<void> {
    await manager.insert(Department, dto);
  }

  async update(manager: EntityManager, code: string, changes: UpdateDepartmentDto): Promise<void> {
    await manager.update(Department, { code }, changes);
  }

  async markMerged(manager: EntityManager, code: string, successorCode: string): Promise<void> {
    await manager.update(Department, { code }, { successorCode, mergedAt: () => 'now()' });
  }

  /** Hands the users and institutions of `code` to `successorCode`: the users moved, and how many institutions. */
  async moveMembers(
    manager: EntityManager,
    code: string,
    successorCode: string,
  ): Promise<{ users: string[]; institutions: number }> {
    const [users]: [{ id: string }[]] = await manager.query(
      `UPDATE users SET department_code = $2, updated_at = now() WHERE department_code = $1 RETURNING id`,
      [code, successorCode],
    );
    const institutions = await manager.query(
      `UPDATE institutions SET department_code = $2 WHERE department_code = $1`,
      [code, successorCode],
    );
    return { users: users.map((u) => u.id), institutions: institutions[1] };
  }

  /** How many users and institutions belong to the department. */
  async members(manager: EntityManager, code: string): Promise<number> {
    const [{ n }] = await manager.query(
      `SELECT (SELECT count(*) FROM users WHERE department_code = $1) + (SELECT count(*) FROM institutions WHERE department_code = $1) AS n`,
      [code],
    );
    return Number(n);
  }

  /** The department and every department merged into it, directly or through others. */
  async lineage(code: string): Promise<string[]> {
    const rows: { code: string }[] = await this.db.query(
      `WITH RECURSIVE lineage(code) AS (
         SELECT $1::varchar
         UNION SELECT d.code FROM departments d JOIN lineage l ON d.successor_code = l.code
       ) SELECT code FROM lineage ORDER BY code`,
      [code],
    );
    return rows.map((r) => r.code);
  }

  /** The names of these departments, by code (an unknown code is left out). */
  async namesByCodes(codes: string[]): Promise<Map<string, DepartmentName>> {
    if (codes.length === 0) return new Map();
    const rows: { code: string; name_zh: string; name_en: string }[] = await this.db.query(
      `SELECT code, name_zh, name_en FROM departments WHERE code = ANY($1::text[])`,
      [[...new Set(codes)]],
    );
    return new Map(rows.map((r) => [r.code, { zh: r.name_zh, en: r.name_en }]));
  }

  /**
   * The codes of the departments that consume the registry's data (finance and tax: the daily
   * exports' recipients) in force (not merged into another), in code order.
   */
  async consumingCodes(): Promise<string[]> {
    const rows: { code: string }[] = await this.db.query(
      `SELECT code FROM departments WHERE kind IN ('finance', 'tax') AND successor_code IS NULL ORDER BY code`,
    );
    return rows.map((d) => d.code);
  }
}

/**
 * departments as their newest `department.create`, `.update` or `.merge` entry left them (the
 * departments a migration seeded have no entry until an administrator changes them).
 */
export const auditedDepartments = keyedAuditedTable('departments', 'department', {
  async keys(manager) {
    const rows: { code: string }[] = await manager.query(`SELECT code FROM departments`);
    return rows.map((r) => r.code);
  },
  async asWritten(manager, codes) {
    const rows: Department[] = await manager.query(
      `SELECT code, name_zh AS "nameZh", name_en AS "nameEn", kind, successor_code AS "successorCode",
              merged_at AS "mergedAt"
         FROM departments WHERE code = ANY($1::text[])`,
      [codes],
    );
    return new Map(rows.map((r) => [r.code, toDepartmentDto(r)]));
  },
});

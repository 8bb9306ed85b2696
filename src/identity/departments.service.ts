import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { Department } from './department.entity';
import { CreateDepartmentDto, DepartmentDto, MergeResultDto, UpdateDepartmentDto } from './dto/department.dto';
import { TokenService } from './token.service';

export function toDepartmentDto(d: Department): DepartmentDto {
  const { code, nameZh, nameEn, kind, successorCode, mergedAt } = d;
  return { code, nameZh, nameEn, kind, successorCode, mergedAt };
}

/**
 * Departments are reference data that administrators maintain. A merger never rewrites
 * history: the predecessor's row stays (with its successor), records keep the department that
 * made them, and the successor takes over the users, institutions (with their keys) and the
 * right to correct its predecessors' records (`lineage`).
 */
@Injectable()
export class DepartmentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly tokens: TokenService,
  ) {}

  async list(): Promise<DepartmentDto[]> {
    return (await this.dataSource.getRepository(Department).find({ order: { code: 'ASC' } })).map(toDepartmentDto);
  }

  /** An active (not merged) department, or a 400 naming `field`. */
  async requireActive(
    code: string,
    field: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Department> {
    const department = await manager.findOneBy(Department, { code });
    if (!department) throw Problem.validation([{ field, message: `department ${code} does not exist` }]);
    if (department.successorCode) {
      throw Problem.validation([{ field, message: `department ${code} was merged into ${department.successorCode}` }]);
    }
    return department;
  }

  async create(dto: CreateDepartmentDto, actor: Actor): Promise<DepartmentDto> {
    const created = this.audit.change(actor, async (manager) => {
      await manager.insert(Department, dto);
      const after = toDepartmentDto(await manager.findOneByOrFail(Department, { code: dto.code }));
      return {
        result: after,
        entry: { action: 'department.create', entityType: 'department', entityId: dto.code, after },
      };
    });
    return mapConstraintErrors(created, {
      unique: () => Problem.conflict('duplicate-department', `Department ${dto.code} already exists`),
    });
  }

  async update(code: string, dto: UpdateDepartmentDto, actor: Actor): Promise<DepartmentDto> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0)
      throw Problem.badRequest('empty-update', 'Name at least one of nameZh, nameEn, kind');
    return this.audit.change(actor, async (manager) => {
      const before = await manager.findOne(Department, { where: { code }, lock: { mode: 'pessimistic_write' } });
      if (!before) throw Problem.notFound('Department', code);
      if (dto.kind && dto.kind !== before.kind && (await this.members(manager, code)) > 0) {
        throw Problem.conflict(
          'department-in-use',
          `Department ${code} has users or institutions; its kind cannot change`,
        );
      }
      await manager.update(Department, { code }, changes);
      const after = toDepartmentDto(await manager.findOneByOrFail(Department, { code }));
      return {
        result: after,
        entry: {
          action: 'department.update',
          entityType: 'department',
          entityId: code,
          before: toDepartmentDto(before),
          after,
        },
      };
    });
  }

  async merge(code: string, successorCode: string, actor: Actor): Promise<MergeResultDto> {
    if (code === successorCode)
      throw Problem.badRequest('merge-into-self', 'A department cannot be merged into itself');
    let moved: string[] = [];
    const result = await this.audit.change(actor, async (manager) => {
      // Lock both rows in a fixed order so two opposite merges cannot deadlock or both pass.
      const rows = await manager.find(Department, {
        where: [{ code }, { code: successorCode }],
        order: { code: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      const predecessor = rows.find((d) => d.code === code);
      const successor = rows.find((d) => d.code === successorCode);
      if (!predecessor) throw Problem.notFound('Department', code);
      if (!successor)
        throw Problem.validation([{ field: 'successorCode', message: `department ${successorCode} does not exist` }]);
      if (predecessor.successorCode) {
        throw Problem.conflict(
          'already-merged',
          `Department ${code} was already merged into ${predecessor.successorCode}`,
        );
      }
      if (successor.successorCode) {
        throw Problem.validation([
          {
            field: 'successorCode',
            message: `department ${successorCode} was itself merged into ${successor.successorCode}`,
          },
        ]);
      }
      if (successor.kind !== predecessor.kind) {
        throw Problem.validation([
          {
            field: 'successorCode',
            message: `a ${predecessor.kind} department can only merge into another ${predecessor.kind}`,
          },
        ]);
      }
      await manager.update(Department, { code }, { successorCode, mergedAt: () => 'now()' });
      const [users]: [{ id: string }[]] = await manager.query(
        `UPDATE users SET department_code = $2, updated_at = now() WHERE department_code = $1 RETURNING id`,
        [code, successorCode],
      );
      moved = users.map((u) => u.id);
      const institutions = await manager.query(
        `UPDATE institutions SET department_code = $2 WHERE department_code = $1`,
        [code, successorCode],
      );
      const after = toDepartmentDto(await manager.findOneByOrFail(Department, { code }));
      return {
        result: { department: after, usersMoved: users.length, institutionsMoved: institutions[1] },
        entry: {
          action: 'department.merge',
          entityType: 'department',
          entityId: code,
          before: toDepartmentDto(predecessor),
          after,
        },
      };
    });
    // Their tokens' principal is read from the database: every replica reads the moved users afresh.
    await this.tokens.usersChanged(moved);
    return result;
  }

  /** The department and every department merged into it, directly or through others. */
  async lineage(code: string): Promise<string[]> {
    const rows: { code: string }[] = await this.dataSource.query(
      `WITH RECURSIVE lineage(code) AS (
         SELECT $1::varchar
         UNION SELECT d.code FROM departments d JOIN lineage l ON d.successor_code = l.code
       ) SELECT code FROM lineage ORDER BY code`,
      [code],
    );
    return rows.map((r) => r.code);
  }

  private async members(manager: EntityManager, code: string): Promise<number> {
    const [{ n }] = await manager.query(
      `SELECT (SELECT count(*) FROM users WHERE department_code = $1) + (SELECT count(*) FROM institutions WHERE department_code = $1) AS n`,
      [code],
    );
    return Number(n);
  }
}

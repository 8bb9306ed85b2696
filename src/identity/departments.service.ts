import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { Department } from './department.entity';
import { DepartmentsRepository, toDepartmentDto } from './departments.repository';
import { CreateDepartmentDto, DepartmentDto, MergeResultDto, UpdateDepartmentDto } from './dto/department.dto';
import { TokenService } from './token.service';

/**
 * Departments are reference data that administrators maintain. A merger never rewrites
 * history: the predecessor's row stays (with its successor), records keep the department that
 * made them, and the successor takes over the users, institutions (with their keys) and the
 * right to correct its predecessors' records (`lineage`).
 */
@Injectable()
export class DepartmentsService {
  constructor(
    private readonly repository: DepartmentsRepository,
    private readonly audit: AuditService,
    private readonly tokens: TokenService,
  ) {}

  async list(): Promise<DepartmentDto[]> {
    return (await this.repository.list()).map(toDepartmentDto);
  }

  /** An active (not merged) department, or a 400 naming `field`. */
  async requireActive(code: string, field: string, manager?: EntityManager): Promise<Department> {
    const department = await this.repository.find(code, manager);
    if (!department) throw Problem.validation([{ field, message: `department ${code} does not exist` }]);
    if (department.successorCode) {
      throw Problem.validation([{ field, message: `department ${code} was merged into ${department.successorCode}` }]);
    }
    return department;
  }

  async create(dto: CreateDepartmentDto, actor: Actor): Promise<DepartmentDto> {
    const created = this.audit.change(actor, async (manager) => {
      await this.repository.insert(manager, dto);
      const after = toDepartmentDto(await this.repository.get(manager, dto.code));
      return {
        result: after,
        entry: { action: 'department.create', entityType: 'department', entityId: dto.code, after },
      };
    });
    return mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict('duplicate-department', {
          en: `Department ${dto.code} already exists`,
          zh: `部门 ${dto.code} 已存在`,
        }),
    });
  }

  async update(code: string, dto: UpdateDepartmentDto, actor: Actor): Promise<DepartmentDto> {
    const changes = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0)
      throw Problem.badRequest('empty-update', {
        en: 'Name at least one of nameZh, nameEn, kind',
        zh: '请至少填写 nameZh、nameEn、kind 中的一项',
      });
    return this.audit.change(actor, async (manager) => {
      const before = await this.repository.lock(manager, code);
      if (!before) throw Problem.notFound('Department', code);
      if (dto.kind && dto.kind !== before.kind && (await this.repository.members(manager, code)) > 0) {
        throw Problem.conflict('department-in-use', {
          en: `Department ${code} has users or institutions; its kind cannot change`,
          zh: `部门 ${code} 下有用户或机构，不能更改其类型`,
        });
      }
      await this.repository.update(manager, code, changes);
      const after = toDepartmentDto(await this.repository.get(manager, code));
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
      throw Problem.badRequest('merge-into-self', {
        en: 'A department cannot be merged into itself',
        zh: '部门不能并入自身',
      });
    let moved: string[] = [];
    const result = await this.audit.change(actor, async (manager) => {
      // Lock both rows in a fixed order so two opposite merges cannot deadlock or both pass.
      const rows = await this.repository.lockPair(manager, code, successorCode);
      const predecessor = rows.find((d) => d.code === code);
      const successor = rows.find((d) => d.code === successorCode);
      if (!predecessor) throw Problem.notFound('Department', code);
      if (!successor)
        throw Problem.validation([{ field: 'successorCode', message: `department ${successorCode} does not exist` }]);
      if (predecessor.successorCode) {
        throw Problem.conflict('already-merged', {
          en: `Department ${code} was already merged into ${predecessor.successorCode}`,
          zh: `部门 ${code} 已并入 ${predecessor.successorCode}`,
        });
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
      await this.repository.markMerged(manager, code, successorCode);
      const members = await this.repository.moveMembers(manager, code, successorCode);
      moved = members.users;
      const after = toDepartmentDto(await this.repository.get(manager, code));
      return {
        result: { department: after, usersMoved: members.users.length, institutionsMoved: members.institutions },
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
  lineage(code: string): Promise<string[]> {
    return this.repository.lineage(code);
  }
}

import { Injectable } from '@nestjs/common';
import { Actor } from '../access/actor';
import { AuditService } from '../audit/audit.service';
import { mapConstraintErrors } from '../common/pg-errors';
import { Problem } from '../common/problem';
import { DepartmentsService } from './departments.service';
import { CreateInstitutionDto, InstitutionDto } from './dto/institution.dto';
import { Institution, InstitutionKind } from './institution.entity';
import { InstitutionsRepository } from './institutions.repository';

/** Which kind of department an institution of each kind belongs to. */
const DEPARTMENT_KIND_FOR: Record<InstitutionKind, string> = { bank: 'finance', tax: 'tax' };

export function toInstitutionDto({ id, name, kind, departmentCode, createdAt }: Institution): InstitutionDto {
  return { id, name, kind, departmentCode, createdAt };
}

@Injectable()
export class InstitutionsService {
  constructor(
    private readonly repository: InstitutionsRepository,
    private readonly departments: DepartmentsService,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateInstitutionDto, actor: Actor): Promise<InstitutionDto> {
    const department = await this.departments.requireActive(dto.departmentCode, 'departmentCode');
    if (department.kind !== DEPARTMENT_KIND_FOR[dto.kind]) {
      throw Problem.validation([
        {
          field: 'departmentCode',
          message: `a ${dto.kind} belongs to a ${DEPARTMENT_KIND_FOR[dto.kind]} department; ${dto.departmentCode} is ${department.kind}`,
        },
      ]);
    }
    const created = this.audit.change(actor, async (manager) => {
      const after = toInstitutionDto(await this.repository.insert(manager, dto));
      return {
        result: after,
        entry: { action: 'institution.create', entityType: 'institution', entityId: after.id, after },
      };
    });
    return mapConstraintErrors(created, {
      unique: () =>
        Problem.conflict('duplicate-institution', {
          en: `An institution named ${dto.name} already exists`,
          zh: `名为 ${dto.name} 的机构已存在`,
        }),
    });
  }

  async list(): Promise<InstitutionDto[]> {
    return (await this.repository.list()).map(toInstitutionDto);
  }

  async get(id: string): Promise<InstitutionDto> {
    const institution = await this.repository.find(id);
    if (!institution) throw Problem.notFound('Institution', id);
    return toInstitutionDto(institution);
  }
}

import { keyedAuditedTable } from '../audit/audited-table';
import type { Department } from './department.entity';
import { toDepartmentDto } from './departments.service';

/**
 * departments as their newest `department.create`, `.update` or `.merge` entry left them (the
 * departments a migration seeded have no entry until an administrator changes them).
 */
export const auditedDepartments = keyedAuditedTable('departments', 'department', 'code', async (manager, ids) => {
  const rows: Department[] = await manager.query(
    `SELECT code, name_zh AS "nameZh", name_en AS "nameEn", kind, successor_code AS "successorCode",
            merged_at AS "mergedAt"
       FROM departments WHERE code = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.code, toDepartmentDto(r)]));
});

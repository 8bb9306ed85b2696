import { keyedAuditedTable } from '../audit/audited-table';
import { auditedDepartmentRows } from './departments.repository';

/** departments as the chain's `department` entries describe them. */
export const auditedDepartments = keyedAuditedTable('departments', 'department', auditedDepartmentRows);

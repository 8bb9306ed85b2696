import type { AuditedTable } from './audit/audited-table';
import { auditedRecords } from './records/audited-records';

/** The tables whose rows `audit:verify` compares with the chain's after digests (the app and the CLI). */
export const auditedTables: AuditedTable[] = [auditedRecords];

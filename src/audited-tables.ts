import type { AuditedTable } from './audit/audited-table';
import { auditedCalendar } from './blacklist/audited-calendar';
import { auditedReportKeys } from './disclosure/reports/audited-report-keys';
export { reportKeySet as checkpointKeys } from './disclosure/reports/report-key-set';
import { auditedApiKeys } from './identity/api-keys.repository';
import { auditedDepartments } from './identity/departments.repository';
import { importVouching } from './imports/import-vouching';
import { recordsAuditedTable } from './records/audited-records';
import { auditedAllowList } from './registry/uscc-allowlist.repository';

/**
 * The tables whose rows `audit:verify` compares with the chain's after digests (the app and the
 * CLI). The other audited tables are not compared yet: their `after` holds values that change
 * without an entry of their own (an enterprise's grade, an institution's department after a merge,
 * a webhook's cursor, …), so each needs its own rebuilding of what its newest entry saw.
 */
export const auditedTables: AuditedTable[] = [
  recordsAuditedTable(importVouching),
  auditedAllowList,
  auditedCalendar,
  auditedReportKeys,
  auditedDepartments,
  auditedApiKeys,
];

import { keyedAuditedTable } from '../audit/audited-table';
import { auditedAllowListRows } from './uscc-allowlist.repository';

/** uscc_allowlist as the chain's `uscc-allowlist` entries describe it. */
export const auditedAllowList = keyedAuditedTable('uscc_allowlist', 'uscc-allowlist', auditedAllowListRows);

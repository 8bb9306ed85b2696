import { keyedAuditedTable } from '../audit/audited-table';
import { toAllowListDto } from './uscc-allowlist.service';
import { UsccAllowListEntry } from './uscc-allowlist.entity';

/** uscc_allowlist as its `uscc-allowlist.add` entries describe it (entries are never changed). */
export const auditedAllowList = keyedAuditedTable('uscc_allowlist', 'uscc-allowlist', 'uscc', async (manager, ids) => {
  const rows: UsccAllowListEntry[] = await manager.query(
    `SELECT uscc, reason, created_by AS "createdBy", created_at AS "createdAt"
       FROM uscc_allowlist WHERE uscc = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.uscc, toAllowListDto(r)]));
});

import type { EntityManager } from 'typeorm';
import type { AuditEntries } from '../audit/audited-table';
import { digest } from '../audit/digest';
import type { ImportedRecords } from '../records/records.repository';
import { importOutcomes } from './imports.repository';

/**
 * The imports among `counts` that do not vouch for the records they merged. An import's newest
 * audit entry has its outcome as `after` (src/imports/import-job.ts `finish`): it vouches for its
 * records while its row still has that outcome's digest and it has no more records than it
 * imported. One with no entry vouches for none.
 */
export async function importVouching(
  manager: EntityManager,
  entries: AuditEntries,
  counts: ImportedRecords[],
): Promise<string[]> {
  if (!counts.length) return [];
  const ids = counts.map((c) => c.importId);
  const outcomes = await importOutcomes(manager, ids);
  const after = new Map((await entries.newestOf('import', ids)).map((e) => [e.entityId, e.afterDigest]));
  return counts
    .filter((c) => {
      const outcome = outcomes.get(c.importId);
      const vouched = after.get(c.importId) ?? null;
      return !outcome || vouched === null || digest(outcome) !== vouched || c.records > outcome.importedRows;
    })
    .map((c) => c.importId);
}

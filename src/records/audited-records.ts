import type { EntityManager } from 'typeorm';
import type { AuditedRow, AuditedTable, AuditEntries, AuditEntryHead } from '../audit/audited-table';
import { auditedRecordRows, ImportedRecords, RecordRow, toDto } from './records.repository';

/**
 * The imports among `counts` whose audited outcome does not vouch for the records they merged.
 * The imports module knows what an import's entry holds; the app root hands its answer in.
 */
export type UnvouchedImports = (
  manager: EntityManager,
  entries: AuditEntries,
  counts: ImportedRecords[],
) => Promise<string[]>;

const CORRECTIONS = ['record.amend', 'record.withdraw'];

/** An entity id that can name a record (a bigint); others name none. */
const RECORD_ID = /^[0-9]{1,18}$/;

/** The record id an entry's entity id names, as `id::text` spells it; undefined when it names none. */
function recordId(entityId: string): string | undefined {
  return RECORD_ID.test(entityId) ? entityId.replace(/^0+(?=[0-9])/, '') : undefined;
}

function recordIds(heads: AuditEntryHead[]): string[] {
  return heads.flatMap((e) => recordId(e.entityId) ?? []);
}

function described(entry: AuditEntryHead, record: RecordRow | undefined): AuditedRow {
  return {
    id: record?.id ?? entry.entityId,
    seq: entry.seq,
    afterDigest: entry.afterDigest,
    asWritten: record && toDto(record),
  };
}

/**
 * credit_records as the audit chain describes them. A record made by hand has a `record.create`
 * entry (entity id: the record); a correction row is the `after` of the `record.amend` or
 * `record.withdraw` entry of the record it supersedes (entity id: that record). The `after` was
 * the row as read right after its insert, when nothing had superseded it yet. Records merged by an
 * import have no entry of their own: they carry the import's id, and the import's entry (its
 * outcome) counts them; `unvouchedImports` says which imports' entries do not, and their content
 * is not compared. A record that is gone is reported by the id its entry names (for a correction:
 * the record it corrected).
 */
export function recordsAuditedTable(unvouchedImports: UnvouchedImports): AuditedTable {
  return {
    table: 'credit_records',
    /**
     * Records neither made by hand (no create entry, not the correction of an amend or withdraw
     * entry) nor merged by an import whose audited outcome counts them: those made by hand in id
     * order, then all the records of the unvouched imports, their ids ordered as text.
     */
    async unaudited(manager, entries) {
      const handMade = await auditedRecordRows.handMade(manager);
      const uncreated = new Set(
        await entries.undescribed(
          'record',
          handMade.map((r) => r.id),
          ['record.create'],
        ),
      );
      const candidates = handMade.filter((r) => uncreated.has(r.id));
      const corrected = candidates.flatMap((r) => r.supersedesId ?? []);
      const uncorrected = new Set(corrected.length ? await entries.undescribed('record', corrected, CORRECTIONS) : []);
      const loose = candidates.filter((r) => r.supersedesId === null || uncorrected.has(r.supersedesId));
      const unvouched = await unvouchedImports(manager, entries, await auditedRecordRows.importCounts(manager));
      const imported = unvouched.length ? await auditedRecordRows.ofImports(manager, unvouched) : [];
      return [...loose.map((r) => r.id), ...imported];
    },
    /** The newest create entry of each record and correction entry of each corrected record, by seq. */
    async rows(manager, entries) {
      const created = await entries.newest('record', ['record.create']);
      const corrections = await entries.newest('record', CORRECTIONS);
      const records = await auditedRecordRows.asInserted(manager, recordIds(created), recordIds(corrections));
      const byId = new Map(records.map((r) => [r.id, r]));
      const byCorrected = new Map(
        records.flatMap((r): [string, RecordRow][] => (r.supersedesId === null ? [] : [[r.supersedesId, r]])),
      );
      const lookUp = (rows: Map<string, RecordRow>, entry: AuditEntryHead) => {
        const id = recordId(entry.entityId);
        return id === undefined ? undefined : rows.get(id);
      };
      return [
        ...created.map((e) => described(e, lookUp(byId, e))),
        ...corrections.map((e) => described(e, lookUp(byCorrected, e))),
      ].sort((a, b) => a.seq - b.seq);
    },
  };
}

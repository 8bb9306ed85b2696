import type { EntityManager } from 'typeorm';
import type { AuditedTable } from '../audit/audited-table';
import { digest } from '../audit/digest';
import { RECORD_COLUMNS, toDto, toRecordRow } from './records.service';

/**
 * credit_records as the audit chain describes them. A record made by hand has a `record.create`
 * entry (entity id: the record); a correction row is the `after` of the `record.amend` or
 * `record.withdraw` entry of the record it supersedes (entity id: that record). The `after` was
 * the row as read right after its insert, when nothing had superseded it yet. Records merged by an
 * import have no entry of their own: they carry the import's id, and the import's entry (its
 * outcome, rebuilt from `imports`) counts them; their content is not compared. A record that is gone
 * is reported by the id its entry names (for a correction: the record it corrected).
 */
export const auditedRecords: AuditedTable = {
  table: 'credit_records',
  /**
   * Records neither made by hand (no create entry, not the correction of an amend or withdraw entry)
   * nor merged by an import whose audited outcome counts them: all the records of an import with no
   * entry, whose outcome no longer has its entry's digest, or that has more records than it imported.
   */
  async unaudited(manager: EntityManager) {
    const loose: { id: string }[] = await manager.query(
      `SELECT r.id::text FROM credit_records r
        WHERE r.import_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'record' AND a.action = 'record.create'
                             AND a.entity_id = r.id::text)
          AND NOT (r.supersedes_id IS NOT NULL
                   AND EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'record'
                                  AND a.action IN ('record.amend', 'record.withdraw')
                                  AND a.entity_id = r.supersedes_id::text))
        ORDER BY r.id`,
    );
    const imports: {
      import_id: string;
      records: number;
      after_digest: string | null;
      status: string | null;
      total_rows: number;
      imported_rows: number;
      skipped_rows: number;
      rejected_rows: number;
    }[] = await manager.query(
      `SELECT r.import_id, r.records, a.after_digest, i.status, i.total_rows, i.imported_rows, i.skipped_rows,
              i.rejected_rows
         FROM (SELECT import_id, count(*)::int AS records FROM credit_records WHERE import_id IS NOT NULL
                GROUP BY import_id) r
         LEFT JOIN imports i ON i.id = r.import_id
         LEFT JOIN LATERAL (SELECT after_digest FROM audit_events
                             WHERE entity_type = 'import' AND entity_id = r.import_id::text
                             ORDER BY seq DESC LIMIT 1) a ON true`,
    );
    const unvouched = imports
      .filter((i) => {
        // The import's entry is `after: outcome` (src/imports/imports.service.ts `finish`).
        const outcome = {
          status: i.status,
          totalRows: i.total_rows,
          importedRows: i.imported_rows,
          skippedRows: i.skipped_rows,
          rejectedRows: i.rejected_rows,
        };
        return i.after_digest === null || digest(outcome) !== i.after_digest || i.records > i.imported_rows;
      })
      .map((i) => i.import_id);
    const imported: { id: string }[] = unvouched.length
      ? await manager.query(`SELECT id::text FROM credit_records WHERE import_id = ANY($1::uuid[]) ORDER BY id`, [
          unvouched,
        ])
      : [];
    return [...loose, ...imported].map((r) => r.id);
  },
  async rows(manager: EntityManager) {
    const rows: Record<string, unknown>[] = await manager.query(
      `WITH entries AS (
         SELECT seq, action, entity_id, after_digest,
                CASE WHEN entity_id ~ '^[0-9]{1,18}$' THEN entity_id::bigint END AS record_id
           FROM audit_events WHERE entity_type = 'record'
       ), described AS (
         SELECT 'create' AS kind, a.entity_id, a.seq, a.after_digest, r.id FROM entries a
           LEFT JOIN credit_records r ON r.id = a.record_id
          WHERE a.action = 'record.create'
         UNION ALL
         SELECT 'correct', a.entity_id, a.seq, a.after_digest, r.id FROM entries a
           LEFT JOIN credit_records r ON r.supersedes_id = a.record_id
          WHERE a.action IN ('record.amend', 'record.withdraw')
       ), newest AS (
         SELECT DISTINCT ON (kind, entity_id) * FROM described ORDER BY kind, entity_id, seq DESC
       )
       SELECT ${RECORD_COLUMNS}, n.entity_id AS audit_entity_id, n.seq::text AS audit_seq, n.after_digest
         FROM newest n
         LEFT JOIN credit_records r ON r.id = n.id
         LEFT JOIN enterprises e ON e.id = r.enterprise_id
        ORDER BY n.seq`,
    );
    return rows.map((r) => ({
      id: (r.id ?? r.audit_entity_id) as string,
      seq: Number(r.audit_seq),
      afterDigest: r.after_digest as string | null,
      asWritten: r.id === null ? undefined : toDto({ ...toRecordRow(r), supersededBy: null }),
    }));
  },
};

import type { EntityManager } from 'typeorm';
import type { AuditedTable } from '../audit/audited-table';
import { RECORD_COLUMNS, toDto, toRecordRow } from './records.service';

/**
 * credit_records as the audit chain describes them. A record made by hand has a `record.create`
 * entry (entity id: the record); a correction row is the `after` of the `record.amend` or
 * `record.withdraw` entry of the record it supersedes (entity id: that record). The `after` was
 * the row as read right after its insert, when nothing had superseded it yet. Records merged by an
 * import have no entry of their own (the import's entry counts them) and are not compared. A
 * record that is gone is reported by the id its entry names (for a correction: the record it
 * corrected).
 */
export const auditedRecords: AuditedTable = {
  table: 'credit_records',
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

import type { EntityManager } from 'typeorm';
import type { AuditedTable } from '../audit/audited-table';
import { RECORD_COLUMNS, toDto, toRecordRow } from './records.service';

/**
 * credit_records as the audit chain describes them. A record made by hand has a `record.create`
 * entry (entity id: the record); a correction row is the `after` of the `record.amend` or
 * `record.withdraw` entry of the record it supersedes (entity id: that record). The `after` was
 * the row as read right after its insert, when nothing had superseded it yet. Records merged by an
 * import have no entry of their own (the import's entry counts them) and are not compared.
 */
export const auditedRecords: AuditedTable = {
  table: 'credit_records',
  async rows(manager: EntityManager) {
    const rows: Record<string, unknown>[] = await manager.query(
      `WITH entries AS (
         SELECT seq, action, after_digest, CASE WHEN entity_id ~ '^[0-9]{1,18}$' THEN entity_id::bigint END AS record_id
           FROM audit_events WHERE entity_type = 'record'
       ), described AS (
         SELECT r.id, a.seq, a.after_digest FROM entries a
           JOIN credit_records r ON r.id = a.record_id AND r.supersedes_id IS NULL
          WHERE a.action = 'record.create'
         UNION ALL
         SELECT r.id, a.seq, a.after_digest FROM entries a
           JOIN credit_records r ON r.supersedes_id = a.record_id
          WHERE a.action IN ('record.amend', 'record.withdraw')
       )
       SELECT DISTINCT ON (r.id) ${RECORD_COLUMNS}, d.seq::text AS audit_seq, d.after_digest
         FROM described d
         JOIN credit_records r ON r.id = d.id
         JOIN enterprises e ON e.id = r.enterprise_id
        ORDER BY r.id, d.seq DESC`,
    );
    return rows.map((r) => ({
      id: r.id as string,
      seq: Number(r.audit_seq),
      afterDigest: r.after_digest as string | null,
      asWritten: toDto({ ...toRecordRow(r), supersededBy: null }),
    }));
  },
};

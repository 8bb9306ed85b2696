import type { EntityManager } from 'typeorm';

/** A row and the chain entry that last described it: that entry's after_digest and the row as it was then. */
export interface AuditedRow {
  /** The row's key in its table (for a row that is gone, the key the entry names). */
  id: string;
  /** The newest chain entry whose `after` is this row. */
  seq: number;
  afterDigest: string | null;
  /**
   * What that entry's `after` was, rebuilt from the row as it is now (its digest must be
   * `afterDigest`); undefined when the row is gone.
   */
  asWritten: unknown;
}

/**
 * A table whose rows the audit chain describes. The module that owns the table knows which entry
 * describes which row and how `after` was built from it; the audit module compares digests.
 */
export interface AuditedTable {
  table: string;
  rows(manager: EntityManager): Promise<AuditedRow[]>;
  /**
   * Keys of the rows no entry describes (inserted behind the application's back); the audit module
   * leaves out those adopted when verification of unaudited rows began (`audit_adopted`).
   */
  unaudited(manager: EntityManager): Promise<string[]>;
}

export const AUDITED_TABLES = Symbol('AUDITED_TABLES');

/**
 * The common case: each row is described by the newest entry of `entityType` whose entity id is
 * the row's key (`key`, an SQL expression over the table's columns), and `load` rebuilds the `after`
 * of the rows with the given keys that still exist.
 */
export function keyedAuditedTable(
  table: string,
  entityType: string,
  key: string,
  load: (manager: EntityManager, ids: string[]) => Promise<Map<string, unknown>>,
): AuditedTable {
  // Ordered by the column a.seq: a bare `seq` would be the text output column (9 after 10).
  return {
    table,
    async unaudited(manager) {
      const rows: { key: string }[] = await manager.query(
        `SELECT t.key FROM (SELECT ${key} AS key FROM ${table}) t
          WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = $1 AND a.entity_id = t.key)
          ORDER BY t.key`,
        [entityType],
      );
      return rows.map((r) => r.key);
    },
    async rows(manager) {
      const entries: { entity_id: string; seq: string; after_digest: string | null }[] = await manager.query(
        `SELECT DISTINCT ON (a.entity_id) a.entity_id, a.seq::text, a.after_digest
           FROM audit_events a WHERE a.entity_type = $1 ORDER BY a.entity_id, a.seq DESC`,
        [entityType],
      );
      const current = await load(
        manager,
        entries.map((e) => e.entity_id),
      );
      return entries.map((e) => ({
        id: e.entity_id,
        seq: Number(e.seq),
        afterDigest: e.after_digest,
        asWritten: current.get(e.entity_id),
      }));
    },
  };
}

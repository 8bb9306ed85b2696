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

/** The newest chain entry about one entity. */
export interface AuditEntryHead {
  entityId: string;
  seq: number;
  afterDigest: string | null;
}

/**
 * What a descriptor may ask of the chain (the audit module reads its own tables; the descriptor's
 * module reads its rows): both limited to `actions` when given.
 */
export interface AuditEntries {
  /** The newest entry of `entityType` for each entity id it names, in entity id order. */
  newest(entityType: string, actions?: string[]): Promise<AuditEntryHead[]>;
  /** The newest entry of `entityType` for those of `entityIds` it names, in entity id order. */
  newestOf(entityType: string, entityIds: string[], actions?: string[]): Promise<AuditEntryHead[]>;
  /** Those of `keys` that no entry of `entityType` names, in key order. */
  undescribed(entityType: string, keys: string[], actions?: string[]): Promise<string[]>;
}

/**
 * A table whose rows the audit chain describes. The module that owns the table knows which entry
 * describes which row and how `after` was built from it, and reads its rows through its own
 * repository; the audit module hands it the chain's entries and compares digests.
 */
export interface AuditedTable {
  table: string;
  rows(manager: EntityManager, entries: AuditEntries): Promise<AuditedRow[]>;
  /**
   * Keys of the rows no entry describes (inserted behind the application's back); the audit module
   * leaves out those adopted when verification of unaudited rows began (`audit_adopted`).
   */
  unaudited(manager: EntityManager, entries: AuditEntries): Promise<string[]>;
}

export const AUDITED_TABLES = Symbol('AUDITED_TABLES');

/** A keyed table's rows, read by the module that owns it. */
export interface KeyedRows {
  /** Every row's key, as the entries name it. */
  keys(manager: EntityManager): Promise<string[]>;
  /** The `after` each entry was built as, rebuilt for those of `keys` whose rows still exist. */
  asWritten(manager: EntityManager, keys: string[]): Promise<Map<string, unknown>>;
}

/**
 * The common case: each row is described by the newest entry of `entityType` whose entity id is
 * the row's key, and `rows` rebuilds the `after` of the rows with the given keys that still exist.
 */
export function keyedAuditedTable(table: string, entityType: string, rows: KeyedRows): AuditedTable {
  return {
    table,
    async unaudited(manager, entries) {
      return entries.undescribed(entityType, await rows.keys(manager));
    },
    async rows(manager, entries) {
      const newest = await entries.newest(entityType);
      const current = await rows.asWritten(
        manager,
        newest.map((e) => e.entityId),
      );
      return newest.map((e) => ({
        id: e.entityId,
        seq: e.seq,
        afterDigest: e.afterDigest,
        asWritten: current.get(e.entityId),
      }));
    },
  };
}

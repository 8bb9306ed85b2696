import type { EntityManager } from 'typeorm';

/** A row and the chain entry that last described it: that entry's after_digest and the row as it was then. */
export interface AuditedRow {
  /** The row's key in its table. */
  id: string;
  /** The newest chain entry whose `after` is this row. */
  seq: number;
  afterDigest: string | null;
  /** What that entry's `after` was, rebuilt from the row as it is now; its digest must be `afterDigest`. */
  asWritten: unknown;
}

/**
 * A table whose rows the audit chain describes. The module that owns the table knows which entry
 * describes which row and how `after` was built from it; the audit module compares digests.
 */
export interface AuditedTable {
  table: string;
  rows(manager: EntityManager): Promise<AuditedRow[]>;
}

export const AUDITED_TABLES = Symbol('AUDITED_TABLES');

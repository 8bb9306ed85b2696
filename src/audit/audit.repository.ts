import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../access/actor';
import { SqlFilter } from '../database/sql-filter';
import type { AuditEntries, AuditEntryHead } from './audited-table';
import type { CheckpointPayload } from './checkpoint';
import { digest } from './digest';
import type { AuditCheckpointDto, AuditEventDto, AuditQuery } from './dto/audit.dto';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** The head of an empty chain, as the chain trigger links its first row. */
export const ZERO_HASH = '0'.repeat(64);

/** The chain's length and newest hash. */
export interface ChainHead {
  length: number;
  head: string;
}

/** A stored checkpoint row as verification reads it. */
export interface StoredCheckpoint {
  jws: string;
  length: number;
  head: string;
  at: Date;
}

/** The newest entry about an entity, as `entries()` selects it. */
interface HeadRow {
  entity_id: string;
  seq: string;
  after_digest: string | null;
}

function toHead(r: HeadRow): AuditEntryHead {
  return { entityId: r.entity_id, seq: Number(r.seq), afterDigest: r.after_digest };
}

const COLUMNS =
  'actor_type, actor_id, actor_name, action, entity_type, entity_id, before_digest, after_digest, request_id';

/**
 * The audit module's tables: the chain (`audit_events`), the entries waiting for it
 * (`audit_pending`), the signed checkpoints and the adopted keys. Writes take the caller's manager:
 * an entry commits with the change it describes.
 */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Adopts the rows of `table` with these keys as audited without an entry of their own, for a
   * writer that fills a table in bulk outside the services (`seed:demo`): their keys join
   * `audit_adopted`, and an `audit.adopt` entry records the digest of the table's whole sorted
   * adopted list, which verification checks (migrations/1764455000000-AuditAdoption.ts began it).
   * Run it inside the writer's transaction, last, like every audit entry.
   */
  async adopt(manager: EntityManager, table: string, keys: string[], actorName: string): Promise<void> {
    await manager.query(
      `INSERT INTO audit_adopted (table_name, key) SELECT $1, k FROM unnest($2::text[]) AS k ON CONFLICT DO NOTHING`,
      [table, keys],
    );
    const adopted = await this.adoptedKeys(table, manager);
    await manager.query(
      `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id, after_digest)
       VALUES ('system', $1, 'audit.adopt', 'audited-table', $2, $3)`,
      [actorName, table, digest(adopted)],
    );
  }

  /** An entry as the API writes it, into the chain (`audit_events`) or waiting for it (`audit_pending`). */
  async insert(
    manager: EntityManager,
    table: 'audit_events' | 'audit_pending',
    actor: Actor,
    entry: AuditEntry,
  ): Promise<void> {
    await manager.query(`INSERT INTO ${table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      actor.type,
      actor.id,
      actor.name,
      entry.action,
      entry.entityType,
      entry.entityId,
      digest(entry.before),
      digest(entry.after),
      actor.requestId,
    ]);
  }

  /** Moves the committed pending entries into the chain (as the chain's owner: the app role may not take them out). */
  async chainPending(): Promise<void> {
    await this.db.query(`SELECT audit_chain_pending()`);
  }

  /** The session's role, and whether it is a superuser or owns the chain's table (the append-only guards then do not bind it). */
  async sessionRole(): Promise<{ who: string; superuser: boolean; owner: boolean } | undefined> {
    const [role] = await this.db.query(
      `SELECT current_user AS who, r.rolsuper AS superuser, pg_has_role(current_user, c.relowner, 'USAGE') AS owner
         FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'audit_events'::regclass`,
    );
    return role;
  }

  /** One page of the chain, newest first, filtered, and the number of entries the filter matches. */
  async page(query: AuditQuery): Promise<{ rows: AuditEventDto[]; total: number }> {
    const f = new SqlFilter();
    if (query.entityType) f.add('entity_type = ?', query.entityType);
    if (query.entityId) f.add('entity_id = ?', query.entityId);
    if (query.actorId) f.add('actor_id = ?', query.actorId);
    if (query.action) f.add('action = ?', query.action);
    if (query.from) f.add('occurred_at >= ?', query.from);
    if (query.to) f.add('occurred_at < ?', query.to);
    const filter = f.clause('WHERE');
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM audit_events${filter}`, f.params);
    const rows = await this.db.query(
      `SELECT seq, occurred_at, actor_type, actor_id, actor_name, action, entity_type, entity_id,
              before_digest, after_digest, request_id, prev_hash, hash
         FROM audit_events${filter}
        ORDER BY seq DESC OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, query.offset, query.pageSize],
    );
    return { rows: rows.map(toEventDto), total };
  }

  /**
   * The whole chain in one pass: every row's hash must be the hash of its stored predecessor hash
   * and its own canonical text, and that predecessor hash must be the hash of the row before it.
   * Returns the chain's length and the first row where either fails (null when none).
   */
  async checkChain(): Promise<{ length: number; firstBroken: number | null }> {
    const [row] = await this.db.query(`
      WITH chain AS (
        SELECT seq,
               hash = encode(sha256(convert_to(prev_hash || audit_canonical(e), 'UTF8')), 'hex')
                 AND prev_hash = coalesce(lag(hash) OVER (ORDER BY seq), repeat('0', 64)) AS intact
          FROM audit_events e
      )
      SELECT count(*)::int AS length, min(seq) FILTER (WHERE NOT intact) AS first_broken FROM chain`);
    return { length: row.length, firstBroken: row.first_broken === null ? null : Number(row.first_broken) };
  }

  /** The chain's length and newest hash, read in one snapshot (entries are chained one at a time, in seq order). */
  async head(): Promise<ChainHead> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS length,
              coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), $1) AS head
         FROM audit_events`,
      [ZERO_HASH],
    );
    return { length: row.length, head: row.head };
  }

  /** The seq of the chain's first row, or null when it is empty. */
  async firstSeq(): Promise<number | null> {
    const [first] = await this.db.query(`SELECT a.seq::text FROM audit_events a ORDER BY a.seq LIMIT 1`);
    return first ? Number(first.seq) : null;
  }

  /** The rows at these 1-based positions in the chain (its n-th row), with their seq and hash. */
  async atPositions(positions: number[]): Promise<{ n: number; seq: string; hash: string }[]> {
    return this.db.query(
      `SELECT n::int, seq::text, hash FROM (SELECT row_number() OVER (ORDER BY seq) AS n, seq, hash FROM audit_events) c
        WHERE n = ANY($1::bigint[])`,
      [positions],
    );
  }

  async insertCheckpoint(payload: CheckpointPayload, kid: string, jws: string): Promise<void> {
    await this.db.query(`INSERT INTO audit_checkpoints (length, head, at, kid, jws) VALUES ($1, $2, $3, $4, $5)`, [
      payload.length,
      payload.head,
      payload.at,
      kid,
      jws,
    ]);
  }

  /** A page of the stored checkpoints other than `excluded`, newest first, and how many there are. */
  async checkpointPage(
    excluded: string[],
    offset: number,
    limit: number,
  ): Promise<{ rows: AuditCheckpointDto[]; total: number }> {
    const [{ total }] = await this.db.query(
      `SELECT count(*)::int AS total FROM audit_checkpoints WHERE id <> ALL($1::bigint[])`,
      [excluded],
    );
    const rows = await this.db.query(
      `SELECT length::int, head, at, kid, jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[])
        ORDER BY at DESC, id DESC OFFSET $2 LIMIT $3`,
      [excluded, offset, limit],
    );
    return { rows, total };
  }

  /** The newest stored checkpoint other than `excluded`, as its JWS. */
  async latestCheckpoint(excluded: string[]): Promise<string | null> {
    const [row] = await this.db.query(
      `SELECT jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[]) ORDER BY at DESC, id DESC LIMIT 1`,
      [excluded],
    );
    return row?.jws ?? null;
  }

  /** The stored checkpoints other than `excluded`, by id, with their JWS. */
  checkpointsExcept(excluded: string[]): Promise<{ id: string; jws: string }[]> {
    return this.db.query(`SELECT id::text, jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[])`, [excluded]);
  }

  /** Every stored checkpoint, as stored. */
  storedCheckpoints(): Promise<StoredCheckpoint[]> {
    return this.db.query(`SELECT jws, length::int, head, at FROM audit_checkpoints`);
  }

  /** The keys of `table` adopted without an entry, in byte order (the order their digest was taken in). */
  async adoptedKeys(table: string, manager: EntityManager = this.db.manager): Promise<string[]> {
    const rows: { key: string }[] = await manager.query(
      `SELECT key FROM audit_adopted WHERE table_name = $1 ORDER BY key COLLATE "C"`,
      [table],
    );
    return rows.map((r) => r.key);
  }

  /** The newest `audit.adopt` entry of `table`: its seq and the digest of the adopted keys it recorded. */
  async adoptionEntry(table: string): Promise<{ seq: string; after_digest: string | null } | undefined> {
    const [entry] = await this.db.query(
      `SELECT a.seq::text, a.after_digest FROM audit_events a
        WHERE a.entity_type = 'audited-table' AND a.entity_id = $1 ORDER BY a.seq DESC LIMIT 1`,
      [table],
    );
    return entry;
  }

  /** What the audited tables' descriptors may ask of the chain, read through `manager`. */
  entries(manager: EntityManager): AuditEntries {
    return {
      // Ordered by the column a.seq: a bare `seq` would be the text output column (9 after 10).
      async newest(entityType: string, actions?: string[]): Promise<AuditEntryHead[]> {
        const rows: HeadRow[] = await manager.query(
          `SELECT DISTINCT ON (a.entity_id) a.entity_id, a.seq::text, a.after_digest
             FROM audit_events a WHERE a.entity_type = $1 AND ($2::text[] IS NULL OR a.action = ANY($2::text[]))
            ORDER BY a.entity_id, a.seq DESC`,
          [entityType, actions ?? null],
        );
        return rows.map(toHead);
      },
      async newestOf(entityType: string, entityIds: string[], actions?: string[]): Promise<AuditEntryHead[]> {
        const rows: HeadRow[] = await manager.query(
          `SELECT DISTINCT ON (a.entity_id) a.entity_id, a.seq::text, a.after_digest
             FROM audit_events a
            WHERE a.entity_type = $1 AND a.entity_id = ANY($2::text[])
              AND ($3::text[] IS NULL OR a.action = ANY($3::text[]))
            ORDER BY a.entity_id, a.seq DESC`,
          [entityType, entityIds, actions ?? null],
        );
        return rows.map(toHead);
      },
      async undescribed(entityType: string, keys: string[], actions?: string[]): Promise<string[]> {
        const rows: { key: string }[] = await manager.query(
          `SELECT t.key FROM unnest($2::text[]) AS t(key)
            WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = $1 AND a.entity_id = t.key
                                 AND ($3::text[] IS NULL OR a.action = ANY($3::text[])))
            ORDER BY t.key`,
          [entityType, keys, actions ?? null],
        );
        return rows.map((r) => r.key);
      },
    };
  }
}

function toEventDto(r: Record<string, string | Date | null>): AuditEventDto {
  return {
    seq: Number(r.seq),
    occurredAt: r.occurred_at as Date,
    actor: {
      type: r.actor_type as AuditEventDto['actor']['type'],
      id: r.actor_id as string | null,
      name: r.actor_name as string | null,
    },
    action: r.action as string,
    entityType: r.entity_type as string,
    entityId: r.entity_id as string,
    beforeDigest: r.before_digest as string | null,
    afterDigest: r.after_digest as string | null,
    requestId: r.request_id as string | null,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
}

import { SqlFilter } from '../database/sql-filter';
import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageQuery, pageOf } from '../common/pagination';
import { Actor } from '../access/actor';
import { AUDITED_TABLES, AuditedTable } from './audited-table';
import { CHECKPOINT_KEYS, CheckpointKeys, CheckpointPayload, readCheckpoint } from './checkpoint';
import { digest } from './digest';
import type { JSONWebKeySet } from 'jose';
import {
  AuditCheckpointDto,
  AuditEventDto,
  AuditQuery,
  AuditVerificationDto,
  DifferingRowDto,
  FailedCheckpointDto,
} from './dto/audit.dto';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** The head of an empty chain, as the chain trigger links its first row. */
const ZERO_HASH = '0'.repeat(64);

/** What a checkpoint signs: the chain's length and newest hash at a moment. */
export interface ChainHead {
  length: number;
  head: string;
}

export type { CheckpointPayload } from './checkpoint';

const COLUMNS =
  'actor_type, actor_id, actor_name, action, entity_type, entity_id, before_digest, after_digest, request_id';

/**
 * The hash-chained write log. `record` must run inside the transaction of the change it
 * describes (pass its EntityManager), and last in it: the chain's lock is held until commit.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditService.name);
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() @Inject(AUDITED_TABLES) private readonly tables: AuditedTable[] = [],
    @Optional() @Inject(CHECKPOINT_KEYS) private readonly checkpointKeys: CheckpointKeys = async () => ({ keys: [] }),
  ) {}

  /** Stored checkpoints whose signature was checked, by id: true when genuine (the table is append-only). */
  private readonly genuine = new Map<string, boolean>();

  /** Entries a crash left pending (between a recompute's commit and their chaining) are chained now. */
  async onApplicationBootstrap(): Promise<void> {
    await this.warnWhenPrivileged();
    await this.chainPending();
  }

  /**
   * The append-only guards bind only a role that neither is a superuser nor owns the tables (the
   * least-privilege role is opt-in: DATABASE_APP_URL); say so when the app's sessions are one.
   */
  private async warnWhenPrivileged(): Promise<void> {
    const [role] = await this.dataSource.query(
      `SELECT current_user AS who, r.rolsuper AS superuser, pg_has_role(current_user, c.relowner, 'USAGE') AS owner
         FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'audit_events'::regclass`,
    );
    if (!role?.superuser && !role?.owner) return;
    this.logger.warn(
      `The application's database sessions (${role.who}) ${role.superuser ? 'are a superuser' : 'own the tables'}: they can change or delete audit entries and append-only rows, and disable their triggers; run the app as a login in qc_app (DATABASE_APP_URL, docs/audit.md)`,
    );
  }

  /**
   * Runs `work` in one transaction and appends the audit entry it returns as the transaction's
   * last statement, so the change and its trace commit together and the chain lock is brief.
   */
  async change<T>(
    actor: Actor,
    work: (manager: EntityManager) => Promise<{ result: T; entry: AuditEntry }>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const { result, entry } = await work(manager);
      await this.record(manager, actor, entry);
      return result;
    });
  }

  async record(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    await insert(manager, 'audit_events', actor, entry);
  }

  /**
   * For a REPEATABLE READ transaction (a recompute): the entry commits with the change, in
   * `audit_pending`, and `chainPending` appends it to the chain after the commit. Appended from
   * inside, it would need the chain's head as it is at its commit, which such a transaction
   * cannot see once another entry has been chained since it began (the trigger then fails it).
   */
  async recordPending(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    await insert(manager, 'audit_pending', actor, entry);
  }

  /** Moves the committed pending entries into the chain, in the order they were written. */
  async chainPending(): Promise<void> {
    // As the chain's owner: the app role may not take entries out of audit_pending itself.
    await this.dataSource.query(`SELECT audit_chain_pending()`);
  }

  async list(query: AuditQuery): Promise<Page<AuditEventDto>> {
    const f = new SqlFilter();
    if (query.entityType) f.add('entity_type = ?', query.entityType);
    if (query.entityId) f.add('entity_id = ?', query.entityId);
    if (query.actorId) f.add('actor_id = ?', query.actorId);
    if (query.action) f.add('action = ?', query.action);
    if (query.from) f.add('occurred_at >= ?', query.from);
    if (query.to) f.add('occurred_at < ?', query.to);
    const filter = f.clause('WHERE');
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM audit_events${filter}`,
      f.params,
    );
    const rows = await this.dataSource.query(
      `SELECT seq, occurred_at, actor_type, actor_id, actor_name, action, entity_type, entity_id,
              before_digest, after_digest, request_id, prev_hash, hash
         FROM audit_events${filter}
        ORDER BY seq DESC OFFSET $${f.next} LIMIT $${f.next + 1}`,
      [...f.params, query.offset, query.pageSize],
    );
    return pageOf(rows.map(toDto), total, query);
  }

  /**
   * Checks the whole chain in one pass: every row's hash must be the hash of its stored
   * predecessor hash and its own canonical text, and that predecessor hash must be the hash of
   * the row before it. Reports the first row where either fails. Then compares each audited row
   * with the newest entry that describes it: a row edited behind the application's back no longer
   * has the entry's after digest, and is listed.
   */
  async verify(held: string[] = [], pinnedKeys?: JSONWebKeySet): Promise<AuditVerificationDto> {
    const [row] = await this.dataSource.query(`
      WITH chain AS (
        SELECT seq,
               hash = encode(sha256(convert_to(prev_hash || audit_canonical(e), 'UTF8')), 'hex')
                 AND prev_hash = coalesce(lag(hash) OVER (ORDER BY seq), repeat('0', 64)) AS intact
          FROM audit_events e
      )
      SELECT count(*)::int AS length, min(seq) FILTER (WHERE NOT intact) AS first_broken FROM chain`);
    const differing = await this.differingRows();
    const failed = await this.failedCheckpoint(row.length, held, pinnedKeys);
    const brokenAt = [row.first_broken === null ? null : Number(row.first_broken), failed?.firstBrokenAt ?? null]
      .filter((seq): seq is number => seq !== null)
      .sort((a, b) => a - b)[0];
    const result: AuditVerificationDto = {
      valid: brokenAt === undefined && !differing.length && !failed,
      length: row.length,
    };
    if (brokenAt !== undefined) result.firstBrokenAt = brokenAt;
    if (differing.length) result.differingRows = differing;
    if (failed) result.failedCheckpoint = failed.checkpoint;
    return result;
  }

  /** The chain's length and newest hash, read in one snapshot (entries are chained one at a time, in seq order). */
  async head(): Promise<ChainHead> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS length,
              coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), $1) AS head
         FROM audit_events`,
      [ZERO_HASH],
    );
    return { length: row.length, head: row.head };
  }

  /** Keeps a signed checkpoint (the signing is the disclosure module's: the report key lives there). */
  async storeCheckpoint(payload: CheckpointPayload, kid: string, jws: string): Promise<AuditCheckpointDto> {
    await this.dataSource.query(
      `INSERT INTO audit_checkpoints (length, head, at, kid, jws) VALUES ($1, $2, $3, $4, $5)`,
      [payload.length, payload.head, payload.at, kid, jws],
    );
    return { length: payload.length, head: payload.head, at: new Date(payload.at), kid, jws };
  }

  /**
   * The signed checkpoints, newest first; a row whose signature does not hold with the report keys
   * (one inserted behind the application's back) is left out.
   */
  async checkpoints(query: PageQuery): Promise<Page<AuditCheckpointDto>> {
    const forged = await this.forgedCheckpoints();
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM audit_checkpoints WHERE id <> ALL($1::bigint[])`,
      [forged],
    );
    const rows = await this.dataSource.query(
      `SELECT length::int, head, at, kid, jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[])
        ORDER BY at DESC, id DESC OFFSET $2 LIMIT $3`,
      [forged, query.offset, query.pageSize],
    );
    return pageOf(rows, total, query);
  }

  /** The newest genuine signed checkpoint as its JWS, or null before the first. */
  async latestCheckpoint(): Promise<string | null> {
    const [row] = await this.dataSource.query(
      `SELECT jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[]) ORDER BY at DESC, id DESC LIMIT 1`,
      [await this.forgedCheckpoints()],
    );
    return row?.jws ?? null;
  }

  /**
   * Ids of stored checkpoints whose signature does not hold. Each row is checked once (the table is
   * append-only; `verify` checks them all again, for a superuser who rewrote one).
   */
  private async forgedCheckpoints(): Promise<string[]> {
    const unchecked: { id: string; jws: string }[] = await this.dataSource.query(
      `SELECT id::text, jws FROM audit_checkpoints WHERE id <> ALL($1::bigint[])`,
      [[...this.genuine.keys()]],
    );
    if (unchecked.length) {
      const keys = await this.checkpointKeys(this.dataSource.manager);
      for (const c of unchecked) this.genuine.set(c.id, !('problem' in (await readCheckpoint(c.jws, keys))));
    }
    return [...this.genuine].filter(([, genuine]) => !genuine).map(([id]) => id);
  }

  /**
   * The chain against every stored checkpoint and those `heldElsewhere` (a superuser who cut the
   * chain could delete the stored ones too; a copy kept outside cannot be), by what each one signed
   * (its JWS payload): the chain must still be at least that long, and its row at that length must
   * have that hash. The first checkpoint (by length) that fails is reported, with the first row
   * that no checkpoint vouches for any more: the one after the last checkpoint that still holds.
   * Each signature is checked with `pinnedKeys` when given, else the report keys: a checkpoint no key
   * signed vouches for nothing and is reported as forged.
   */
  private async failedCheckpoint(
    length: number,
    heldElsewhere: string[],
    pinnedKeys?: JSONWebKeySet,
  ): Promise<{ checkpoint: FailedCheckpointDto; firstBrokenAt?: number } | null> {
    const keys = pinnedKeys ?? (await this.checkpointKeys(this.dataSource.manager));
    const stored: { jws: string; length: number; head: string; at: Date }[] = await this.dataSource.query(
      `SELECT jws, length::int, head, at FROM audit_checkpoints`,
    );
    const read = await Promise.all([
      ...stored.map(async (c) => ({
        stored: { length: c.length, head: c.head, at: c.at.toISOString() },
        jws: c.jws,
        read: await readCheckpoint(c.jws, keys),
      })),
      ...heldElsewhere.map(async (jws) => ({ stored: null, jws, read: await readCheckpoint(jws, keys) })),
    ]);
    // A stored checkpoint that no longer reads as one was written over: it vouches for nothing.
    const spoilt = read.find((c) => 'problem' in c.read && c.read.problem === 'unreadable');
    if (spoilt?.stored) {
      const [first] = await this.dataSource.query(`SELECT a.seq::text FROM audit_events a ORDER BY a.seq LIMIT 1`);
      const { length, head, at } = spoilt.stored;
      return { checkpoint: { length, head, at, found: 'unreadable' }, firstBrokenAt: Number(first?.seq ?? 1) };
    }
    if (spoilt) throw new Error(`not an audit checkpoint: ${spoilt.jws.slice(0, 40)}…`);
    const held = read.flatMap((c) => ('problem' in c.read ? [] : [c.read.payload])).sort((a, b) => a.length - b.length);
    const positions = [...new Set(held.flatMap((c) => [c.length, c.length + 1]).concat(1))];
    const rows: { n: number; seq: string; hash: string }[] = held.length
      ? await this.dataSource.query(
          `SELECT n::int, seq::text, hash FROM (SELECT row_number() OVER (ORDER BY seq) AS n, seq, hash FROM audit_events) c
            WHERE n = ANY($1::bigint[])`,
          [positions],
        )
      : [];
    const at = new Map(rows.map((r) => [r.n, r]));
    let vouched = 0;
    for (const c of held) {
      const found =
        c.length > length ? 'truncated' : (at.get(c.length)?.hash ?? ZERO_HASH) !== c.head ? 'differs' : null;
      if (!found) {
        vouched = c.length;
        continue;
      }
      const next = at.get(vouched + 1);
      const firstBrokenAt = next ? Number(next.seq) : Number(at.get(vouched)?.seq ?? 0) + 1;
      return { checkpoint: { length: c.length, head: c.head, at: c.at, found }, firstBrokenAt };
    }
    // Reported last: a forged checkpoint breaks no row, but someone could write the database.
    const forged = read.find((c) => 'problem' in c.read)?.read.payload;
    return forged ? { checkpoint: { ...forged, found: 'forged' } } : null;
  }

  private async differingRows(): Promise<DifferingRowDto[]> {
    const differing: DifferingRowDto[] = [];
    for (const table of this.tables) {
      for (const row of await table.rows(this.dataSource.manager)) {
        if (digest(row.asWritten) === row.afterDigest) continue;
        const found = row.asWritten === undefined ? 'missing' : 'changed';
        differing.push({ table: table.table, id: row.id, seq: row.seq, found });
      }
      const unaudited = await table.unaudited(this.dataSource.manager);
      if (!unaudited.length) continue;
      const adopted = await this.adopted(table.table, differing);
      for (const id of unaudited) {
        if (!adopted.has(id)) differing.push({ table: table.table, id, found: 'unaudited' });
      }
    }
    return differing;
  }

  /**
   * The keys of `table` adopted without an entry when verification of unaudited rows began
   * (migrations/1764455000000-AuditAdoption.ts); none, and `audit_adopted` listed as changed, when
   * they no longer have the digest of that table's `audit.adopt` entry.
   */
  private async adopted(table: string, differing: DifferingRowDto[]): Promise<Set<string>> {
    const rows: { key: string }[] = await this.dataSource.query(
      `SELECT key FROM audit_adopted WHERE table_name = $1 ORDER BY key COLLATE "C"`,
      [table],
    );
    const [entry] = await this.dataSource.query(
      `SELECT a.seq::text, a.after_digest FROM audit_events a
        WHERE a.entity_type = 'audited-table' AND a.entity_id = $1 ORDER BY a.seq DESC LIMIT 1`,
      [table],
    );
    const keys = rows.map((r) => r.key);
    if (!keys.length && !entry) return new Set();
    if (digest(keys) !== entry?.after_digest) {
      differing.push({ table: 'audit_adopted', id: table, seq: Number(entry?.seq ?? 0), found: 'changed' });
      return new Set();
    }
    return new Set(keys);
  }
}

function toDto(r: Record<string, string | Date | null>): AuditEventDto {
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

/** An entry as the API writes it, into the chain (`audit_events`) or waiting for it (`audit_pending`). */
async function insert(
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

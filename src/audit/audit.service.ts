import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Page, PageQuery, pageOf } from '../common/pagination';
import { Actor } from '../access/actor';
import { AuditEntry, AuditRepository, ChainHead, ZERO_HASH } from './audit.repository';
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

export type { AuditEntry, ChainHead } from './audit.repository';
export type { CheckpointPayload } from './checkpoint';

/**
 * The hash-chained write log. `record` must run inside the transaction of the change it
 * describes (pass its EntityManager), and last in it: the chain's lock is held until commit.
 */
@Injectable()
export class AuditService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuditService.name);
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AuditRepository,
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
    const role = await this.repository.sessionRole();
    if (!role?.superuser && !role?.owner) return;
    this.logger.warn(
      `The application's database sessions (${role.who}) ${role.superuser ? 'are a superuser' : 'own the tables'}: they can change or delete audit entries and append-only rows, and disable their triggers; run the app as a login in qc_app (DATABASE_APP_URL, docs/audit.md)`,
    );
  }

  /**
   * Vouches for rows a bulk writer put in `table` outside the services (the demo seed), inside
   * that writer's transaction: see AuditRepository.adopt.
   */
  adopt(manager: EntityManager, table: string, keys: string[], actor: Actor): Promise<void> {
    return this.repository.adopt(manager, table, keys, actor.name ?? actor.type);
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
    await this.repository.insert(manager, 'audit_events', actor, entry);
  }

  /**
   * For a REPEATABLE READ transaction (a recompute): the entry commits with the change, in
   * `audit_pending`, and `chainPending` appends it to the chain after the commit. Appended from
   * inside, it would need the chain's head as it is at its commit, which such a transaction
   * cannot see once another entry has been chained since it began (the trigger then fails it).
   */
  async recordPending(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    await this.repository.insert(manager, 'audit_pending', actor, entry);
  }

  /** Moves the committed pending entries into the chain, in the order they were written. */
  async chainPending(): Promise<void> {
    await this.repository.chainPending();
  }

  async list(query: AuditQuery): Promise<Page<AuditEventDto>> {
    const { rows, total } = await this.repository.page(query);
    return pageOf(rows, total, query);
  }

  /**
   * Checks the whole chain in one pass: every row's hash must be the hash of its stored
   * predecessor hash and its own canonical text, and that predecessor hash must be the hash of
   * the row before it. Reports the first row where either fails. Then compares each audited row
   * with the newest entry that describes it: a row edited behind the application's back no longer
   * has the entry's after digest, and is listed.
   */
  async verify(held: string[] = [], pinnedKeys?: JSONWebKeySet): Promise<AuditVerificationDto> {
    const row = await this.repository.checkChain();
    const differing = await this.differingRows();
    const failed = await this.failedCheckpoint(row.length, held, pinnedKeys);
    const brokenAt = [row.firstBroken, failed?.firstBrokenAt ?? null]
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
  head(): Promise<ChainHead> {
    return this.repository.head();
  }

  /** Keeps a signed checkpoint (the signing is the disclosure module's: the report key lives there). */
  async storeCheckpoint(payload: CheckpointPayload, kid: string, jws: string): Promise<AuditCheckpointDto> {
    await this.repository.insertCheckpoint(payload, kid, jws);
    return { length: payload.length, head: payload.head, at: new Date(payload.at), kid, jws };
  }

  /**
   * The signed checkpoints, newest first; a row whose signature does not hold with the report keys
   * (one inserted behind the application's back) is left out.
   */
  async checkpoints(query: PageQuery): Promise<Page<AuditCheckpointDto>> {
    const { rows, total } = await this.repository.checkpointPage(
      await this.forgedCheckpoints(),
      query.offset,
      query.pageSize,
    );
    return pageOf(rows, total, query);
  }

  /** The newest genuine signed checkpoint as its JWS, or null before the first. */
  async latestCheckpoint(): Promise<string | null> {
    return this.repository.latestCheckpoint(await this.forgedCheckpoints());
  }

  /**
   * Ids of stored checkpoints whose signature does not hold. Each row is checked once (the table is
   * append-only; `verify` checks them all again, for a superuser who rewrote one).
   */
  private async forgedCheckpoints(): Promise<string[]> {
    const unchecked = await this.repository.checkpointsExcept([...this.genuine.keys()]);
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
    const stored = await this.repository.storedCheckpoints();
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
      const first = await this.repository.firstSeq();
      const { length, head, at } = spoilt.stored;
      return { checkpoint: { length, head, at, found: 'unreadable' }, firstBrokenAt: first ?? 1 };
    }
    if (spoilt) throw new Error(`not an audit checkpoint: ${spoilt.jws.slice(0, 40)}…`);
    const held = read.flatMap((c) => ('problem' in c.read ? [] : [c.read.payload])).sort((a, b) => a.length - b.length);
    const positions = [...new Set(held.flatMap((c) => [c.length, c.length + 1]).concat(1))];
    const rows = held.length ? await this.repository.atPositions(positions) : [];
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
    const manager = this.dataSource.manager;
    const entries = this.repository.entries(manager);
    for (const table of this.tables) {
      for (const row of await table.rows(manager, entries)) {
        if (digest(row.asWritten) === row.afterDigest) continue;
        const found = row.asWritten === undefined ? 'missing' : 'changed';
        differing.push({ table: table.table, id: row.id, seq: row.seq, found });
      }
      const unaudited = await table.unaudited(manager, entries);
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
    const keys = await this.repository.adoptedKeys(table);
    const entry = await this.repository.adoptionEntry(table);
    if (!keys.length && !entry) return new Set();
    if (digest(keys) !== entry?.after_digest) {
      differing.push({ table: 'audit_adopted', id: table, seq: Number(entry?.seq ?? 0), found: 'changed' });
      return new Set();
    }
    return new Set(keys);
  }
}

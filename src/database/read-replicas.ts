import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, QueryFailedError } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { databaseUnavailable } from '../common/pg-errors';
import { dataSourceOptions } from './data-source';

/** How often each replica's lag is measured. */
const PROBE_EVERY_MS = 1_000;
/** A probe not answered within this is a replica not to read from until the next one answers. */
const PROBE_TIMEOUT_MS = 1_000;
/** Connections per replica: the public reads' share of what the primary's pool had (data-source.ts). */
const REPLICA_POOL = 20;

/** The injection token of the reads' DataSource: a replica within REPLICA_MAX_LAG_MS, else the primary. */
export const READS = Symbol('READS');

/** Injects the DataSource for reads that may be served by a replica (see ReadReplicas.pick). */
export const InjectReads = (): ParameterDecorator => Inject(READS);

/** One replica as /metrics and /health/ready show it. */
export interface ReplicaState {
  /** host:port/database of its URL (never the password). */
  name: string;
  /** Its last measured lag in ms; null while it did not answer. */
  lagMs: number | null;
  /** Whether reads go to it now (answered its last probe, no further behind than REPLICA_MAX_LAG_MS). */
  inUse: boolean;
  /** Why it is not in use, when it is not. */
  error?: string;
}

interface Replica {
  name: string;
  dataSource: DataSource;
  lagMs: number | null;
  error?: string;
}

/** host:port/database of a postgres:// URL, without its user and password. */
function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/**
 * A query a hot standby cancelled because replaying the primary's WAL needed what it read
 * (SQLSTATE 40001 with this message; hot_standby_feedback makes it rare, a vacuum of the primary
 * can still cause it): the same read on the primary will do.
 */
function recoveryConflict(error: unknown): boolean {
  const e = (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown; message?: unknown };
  return e?.code === '40001' && typeof e.message === 'string' && e.message.includes('conflict with recovery');
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The streaming replicas of DATABASE_REPLICA_URLS, each with its own TypeORM DataSource (and so
 * its own pg pool, where the status lookup's named statements are prepared per connection as on
 * the primary's), and the choice of where a read that tolerates replication lag goes.
 *
 * Lag is measured once a second as time, from WAL positions: the primary's `pg_current_wal_lsn()`
 * is sampled with the time of sampling, and a replica whose `pg_last_wal_replay_lsn()` has not
 * reached the position the primary had at time t is at least now − t behind. The usual
 * `now() - pg_last_xact_replay_timestamp()` is wrong when the primary is idle (no commit to
 * replay, so it grows without the replica being behind at all); this is 0 then, since the replica
 * has replayed all there is. A heartbeat table would also stay right, but costs a write a second
 * per process and a migration; the positions cost one read on each server. A replica paused,
 * disconnected or slow falls behind positions the primary has moved past, and its lag grows with
 * the clock. A replica that does not answer its probe within a second is not read from.
 */
@Injectable()
export class ReadReplicas implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly replicas: Replica[];
  /** The primary's WAL positions, oldest first, each with when it was read (ms since the epoch). */
  private samples: { at: number; lsn: bigint }[] = [];
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private next = 0;
  /** Reads handed out, by the server they went to (registered by MetricsService). */
  readonly reads = new Counter({
    name: 'db_replica_reads_total',
    help: 'Reads that may go to a replica, by the server given them (a replica, or the primary when none qualified)',
    labelNames: ['server'] as const,
    registers: [],
  });

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    private readonly config: AppConfig,
  ) {
    const urls = (config.DATABASE_REPLICA_URLS ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    this.replicas = urls.map((url) => {
      const options = dataSourceOptions(url);
      return {
        name: replicaName(url),
        dataSource: new DataSource({
          ...options,
          // The primary's entities (registered by the feature modules), for reads through repositories.
          entities: primary.options.entities,
          extra: { ...options.extra, max: REPLICA_POOL },
        } as typeof options),
        lagMs: null,
      };
    });
  }

  async onModuleInit(): Promise<void> {
    if (!this.replicas.length) return;
    // A replica down at start is tried again by each probe (DataSource.initialize connects once).
    await Promise.all(this.replicas.map((r) => this.connect(r)));
    await this.probe();
    this.timer = setInterval(() => {
      this.probing ??= this.probe().finally(() => (this.probing = undefined));
    }, PROBE_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.probing;
    await Promise.all(this.replicas.map((r) => (r.dataSource.isInitialized ? r.dataSource.destroy() : undefined)));
  }

  /**
   * The DataSource for one read that may be served from a replica: the replicas within
   * REPLICA_MAX_LAG_MS in turn, the primary when none is. A read that must see a write of its
   * own request (or of an earlier one the client just made) does not come here: it keeps the
   * primary's DataSource (@InjectDataSource()).
   */
  pick(): DataSource {
    const usable = this.replicas.filter((r) => this.inUse(r));
    if (!usable.length) {
      this.reads.inc({ server: 'primary' });
      return this.primary;
    }
    this.next = (this.next + 1) % usable.length;
    const replica = usable[this.next];
    this.reads.inc({ server: replica.name });
    return replica.dataSource;
  }

  /** Whether `dataSource` is one of the replicas (for the status lookup, which logs on the primary beside it). */
  isReplica(dataSource: DataSource): boolean {
    return dataSource !== this.primary;
  }

  /**
   * Runs `work` (reads only) on pick()'s server; when that is a replica which failed it (gone,
   * restarting, or a query cancelled by a conflict with recovery), again on the primary, and
   * the replica is set aside until its next probe answers: a replica stopping costs its readers
   * a retry, never an error.
   */
  async read<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = this.pick();
    const replica = this.replicas.find((r) => r.dataSource === dataSource);
    return replica ? this.readOn(replica, work) : work(dataSource);
  }

  /**
   * Like read(), for a read that must see all the primary had committed when it began (a day's
   * export, once the day's writers have finished): on a replica only once that replica has
   * replayed the primary's WAL up to then, waiting up to REPLICA_MAX_LAG_MS for one to; else on
   * the primary.
   */
  async readCaughtUp<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    if (!this.readsFromReplicas) return work(this.primary);
    const [{ lsn }]: { lsn: string }[] = await this.primary.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
    for (const until = Date.now() + this.config.REPLICA_MAX_LAG_MS; ;) {
      for (const replica of this.replicas.filter((r) => this.inUse(r))) {
        const [row] = await replica.dataSource
          .query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed`, [lsn])
          .catch((): { replayed: boolean }[] => [{ replayed: false }]);
        if (row.replayed) {
          this.reads.inc({ server: replica.name });
          return this.readOn(replica, work);
        }
      }
      if (Date.now() >= until) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.reads.inc({ server: 'primary' });
    return work(this.primary);
  }

  /** `work` on `replica`; on the primary instead when the replica fails it (see read()). */
  private async readOn<T>(replica: Replica, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    try {
      return await work(replica.dataSource);
    } catch (error) {
      if (!databaseUnavailable(error) && !recoveryConflict(error)) throw error;
      if (replica.lagMs !== null) {
        replica.lagMs = null;
        replica.error = (error as Error).message;
        this.logger.warn(`replica ${replica.name} not read from: ${replica.error}`);
      }
      this.reads.inc({ server: 'primary' });
      return work(this.primary);
    }
  }

  /** Whether some replica is near enough to read from now. */
  get readsFromReplicas(): boolean {
    return this.replicas.some((r) => this.inUse(r));
  }

  /** Whether DATABASE_REPLICA_URLS names any replica. */
  get configured(): boolean {
    return this.replicas.length > 0;
  }

  /** Each replica's lag and whether reads go to it. */
  state(): ReplicaState[] {
    return this.replicas.map((r) => ({
      name: r.name,
      lagMs: r.lagMs,
      inUse: this.inUse(r),
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  private inUse(r: Replica): boolean {
    return r.dataSource.isInitialized && r.lagMs !== null && r.lagMs <= this.config.REPLICA_MAX_LAG_MS;
  }

  private async connect(r: Replica): Promise<boolean> {
    if (r.dataSource.isInitialized) return true;
    try {
      await withTimeout(r.dataSource.initialize(), PROBE_TIMEOUT_MS * 5, r.name);
      return true;
    } catch (error) {
      r.error = (error as Error).message;
      return false;
    }
  }

  /** One round: the primary's position, then each replica's replay position against the samples. */
  private async probe(): Promise<void> {
    const now = Date.now();
    try {
      const [{ lsn }] = await withTimeout<{ lsn: string }[]>(
        this.primary.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS lsn`),
        PROBE_TIMEOUT_MS,
        'primary',
      );
      this.samples.push({ at: now, lsn: BigInt(lsn) });
    } catch {
      // The primary not answering leaves the replicas measured against its last known positions.
    }
    // Samples older than the lag that matters are no use: a replica behind all of those kept is
    // measured as behind the oldest, which is already too far.
    const keepFrom = now - this.config.REPLICA_MAX_LAG_MS - 10 * PROBE_EVERY_MS;
    while (this.samples.length > 1 && this.samples[0].at < keepFrom) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.measure(r)));
  }

  private async measure(r: Replica): Promise<void> {
    const wasInUse = this.inUse(r);
    try {
      if (!(await this.connect(r))) throw new Error(r.error);
      const [{ replayed }] = await withTimeout<{ replayed: string | null }[]>(
        r.dataSource.query(`SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::text AS replayed`),
        PROBE_TIMEOUT_MS,
        r.name,
      );
      // Not in recovery (promoted, or not a replica at all): it does not follow this primary.
      if (replayed === null) throw new Error('not a streaming replica (pg_last_wal_replay_lsn() is null)');
      const position = BigInt(replayed);
      const missing = this.samples.find((s) => s.lsn > position);
      r.lagMs = missing ? Math.max(0, Date.now() - missing.at) : 0;
      r.error = r.lagMs > this.config.REPLICA_MAX_LAG_MS ? `lag ${r.lagMs} ms` : undefined;
    } catch (error) {
      r.lagMs = null;
      r.error = (error as Error).message;
    }
    const inUse = this.inUse(r);
    if (inUse !== wasInUse) {
      this.logger.warn(`replica ${r.name} ${inUse ? 'read from' : `not read from: ${r.error}`}`);
    }
  }
}

/** The DataSource methods that run a read, retried on the primary when a replica fails them (ReadReplicas.read). */
const READ_METHODS = new Set<PropertyKey>(['query', 'transaction']);

/**
 * The DataSource injected by @InjectReads(): each use (`reads.query(…)`, `reads.transaction(…)`,
 * `reads.manager`) goes to the server ReadReplicas gives at that moment, so a repository of
 * public reads is written as on the primary and the choice stays in one place.
 */
export function readsDataSource(replicas: ReadReplicas): DataSource {
  return new Proxy({} as DataSource, {
    get(_, property) {
      if (READ_METHODS.has(property)) {
        return (...args: unknown[]) =>
          replicas.read((dataSource) =>
            (Reflect.get(dataSource, property) as (...a: unknown[]) => Promise<unknown>).apply(dataSource, args),
          );
      }
      const dataSource = replicas.pick();
      const value: unknown = Reflect.get(dataSource, property, dataSource);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(dataSource) : value;
    },
  });
}

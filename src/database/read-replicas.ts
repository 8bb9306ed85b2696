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
/**
 * A replica short of the primary's newest sampled position is asked again this far apart, until
 * CATCH_UP_WITHIN_MS after its probe began (ReadReplicas.caughtUp): half a probe's interval, so a
 * replica slow to answer cannot stretch a round, and the others' measures, past the next probe.
 */
const CATCH_UP_PAUSE_MS = 50;
const CATCH_UP_WITHIN_MS = PROBE_EVERY_MS / 2;
/** A server of DATABASE_REPLICA_URLS found out of recovery: not read from. */
class NotAReplica extends Error {
  constructor() {
    super('not a streaming replica (not in recovery)');
  }
}
/** Connections per replica: the public reads' share of what the primary's pool had (data-source.ts). */
const REPLICA_POOL = 20;
/**
 * A query on a replica with no answer within this fails (and is retried on the primary, see
 * readOn): a replica gone quiet mid-query (frozen, its network cut) would otherwise hold its reader
 * until TCP gives up, which can be many minutes. Client-side (pg's query_timeout), since a server
 * that does not answer cannot cancel anything; well above any one read of the app (a public page,
 * a lookup group, an export's batch of 10 000 rows), which take milliseconds to a second or two.
 */
export const REPLICA_QUERY_TIMEOUT_MS = 10_000;

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
  /** Its lag when last measured (at most this far behind then); null while it did not answer. */
  lagMs: number | null;
  /** When lagMs was measured (ms since the epoch): the lag has grown by at most the time since. */
  measuredAt: number;
  /** The initialize() under way, so that probes arriving while it waits do not start another pool. */
  connecting?: Promise<void>;
  error?: string;
}

/** One sample of the primary's WAL position, with when it was read (ms since the epoch). */
export interface WalSample {
  at: number;
  lsn: bigint;
}

/**
 * How far behind at most a replica that has replayed up to `position` is at `now`, given the
 * primary's samples (oldest first): it has all the primary had at the last sample whose position
 * it has reached, so it is at most now − that sample's time behind. (The first sample it has not
 * reached would give only a lower bound, up to a probe's interval short of the truth.) The
 * primary not answering adds no sample, so the bound keeps growing with the clock: a replica is
 * never taken for current on the strength of a primary that has stopped saying where it is.
 * Null when it has reached none of the samples kept (all of them are older than the lag that
 * matters, or the first probe ran just now): how far behind it is, nothing says.
 */
export function lagBound(samples: readonly WalSample[], position: bigint, now: number): number | null {
  let reached: WalSample | undefined;
  for (const sample of samples) {
    if (sample.lsn > position) break;
    reached = sample;
  }
  return reached ? Math.max(0, now - reached.at) : null;
}

/** host:port/database of a postgres:// URL, without its user and password. */
function replicaName(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/**
 * What a hot standby answers when replaying the primary's WAL needed what a query held: the query
 * cancelled (40001 for a snapshot or lock, 40P01 for a buffer pin deadlock with the startup
 * process) or its session ended (57P04, the database dropped; 57P01 is databaseUnavailable's).
 * hot_standby_feedback makes them rare; a vacuum of the primary can still cause one. A read-only
 * query on a standby has no other way to get these codes; the message is matched too, for a
 * server or proxy that reports it under another code (it is English unless lc_messages says not).
 */
const RECOVERY_CONFLICT_STATES = new Set(['40001', '40P01', '57P04']);

/** A read a replica refused because of a conflict with recovery: the same read on the primary will do. */
export function recoveryConflict(error: unknown): boolean {
  const e = (error instanceof QueryFailedError ? error.driverError : error) as { code?: unknown; message?: unknown };
  if (typeof e !== 'object' || e === null) return false;
  if (typeof e.code === 'string' && RECOVERY_CONFLICT_STATES.has(e.code)) return true;
  return typeof e.message === 'string' && e.message.includes('conflict with recovery');
}

/** pg's error when a query had no answer within query_timeout (REPLICA_QUERY_TIMEOUT_MS). */
function queryTimedOut(error: unknown): boolean {
  const e = (error instanceof QueryFailedError ? error.driverError : error) as { message?: unknown };
  return typeof e?.message === 'string' && e.message === 'Query read timeout';
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
  private samples: WalSample[] = [];
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private closing = false;
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
          // keepAlive: a connection to a replica that vanished (its query timed out above) is
          // found dead by TCP rather than kept in the pool for good.
          extra: { ...options.extra, max: REPLICA_POOL, query_timeout: REPLICA_QUERY_TIMEOUT_MS, keepAlive: true },
        } as typeof options),
        lagMs: null,
        measuredAt: 0,
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
    this.closing = true;
    clearInterval(this.timer);
    await this.probing;
    // A connect still under way is waited for (it ends within the pool's connectionTimeoutMillis),
    // so that a pool it opens is closed too.
    await Promise.all(this.replicas.map((r) => r.connecting));
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

  /**
   * Runs `work` (reads only) on pick()'s server; when that is a replica which failed it (gone,
   * restarting, silent for REPLICA_QUERY_TIMEOUT_MS, or a query cancelled by a conflict with
   * recovery), again on the primary, and
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
      if (!databaseUnavailable(error) && !recoveryConflict(error) && !queryTimedOut(error)) throw error;
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

  /** Each replica's lag (as far behind as it can be now) and whether reads go to it. */
  state(): ReplicaState[] {
    return this.replicas.map((r) => ({
      name: r.name,
      lagMs: this.lagNow(r),
      inUse: this.inUse(r),
      ...(r.error ? { error: r.error } : {}),
    }));
  }

  /** The lag measured, plus the time since: between probes a replica may fall further behind. */
  private lagNow(r: Replica): number | null {
    return r.lagMs === null ? null : r.lagMs + Math.max(0, Date.now() - r.measuredAt);
  }

  private inUse(r: Replica): boolean {
    const lag = this.lagNow(r);
    return r.dataSource.isInitialized && lag !== null && lag <= this.config.REPLICA_MAX_LAG_MS;
  }

  /**
   * Opens the replica's pool if it is not open. One initialize() at a time: the probe gives up
   * waiting after a few seconds, but the connect goes on (up to the pool's connectionTimeoutMillis),
   * and a second one started beside it would open a second pool and lose the first. A connect that
   * succeeds once the app is shutting down closes what it opened.
   */
  private async connect(r: Replica): Promise<boolean> {
    if (r.dataSource.isInitialized) return true;
    if (this.closing) return false;
    r.connecting ??= r.dataSource
      .initialize()
      .then(
        async () => {
          if (this.closing) await r.dataSource.destroy();
        },
        (error: Error) => {
          r.error = error.message;
        },
      )
      .finally(() => (r.connecting = undefined));
    try {
      await withTimeout(r.connecting, PROBE_TIMEOUT_MS * 5, r.name);
    } catch (error) {
      r.error = (error as Error).message;
    }
    return r.dataSource.isInitialized;
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
      // The primary not answering adds no sample: the replicas are measured against its last
      // known position, and so their lag grows with the clock until it answers (lagBound).
    }
    // Samples older than the lag that matters are no use: a replica that has reached only those is
    // measured as already too far behind. The newest is kept whatever its age.
    const keepFrom = now - this.config.REPLICA_MAX_LAG_MS - 10 * PROBE_EVERY_MS;
    while (this.samples.length > 1 && this.samples[0].at < keepFrom) this.samples.shift();
    await Promise.all(this.replicas.map((r) => this.measure(r)));
  }

  private async measure(r: Replica): Promise<void> {
    const wasInUse = this.inUse(r);
    const started = Date.now();
    try {
      if (!(await this.connect(r))) throw new Error(r.error);
      const position = await this.caughtUp(r, await this.replayed(r, PROBE_TIMEOUT_MS), started + CATCH_UP_WITHIN_MS);
      const measuredAt = Date.now();
      // Behind every sample kept: at least as far behind as the oldest, which past the first
      // seconds is already too far; before then (or with no sample yet) not known, so not read from.
      let lagMs = lagBound(this.samples, position, measuredAt);
      if (lagMs === null) {
        lagMs = measuredAt - (this.samples[0]?.at ?? measuredAt);
        if (lagMs <= this.config.REPLICA_MAX_LAG_MS) throw new Error('behind every position of the primary sampled');
      }
      [r.lagMs, r.measuredAt] = [lagMs, measuredAt];
      r.error = lagMs > this.config.REPLICA_MAX_LAG_MS ? `lag ${lagMs} ms` : undefined;
    } catch (error) {
      r.lagMs = null;
      r.error = (error as Error).message;
    }
    const inUse = this.inUse(r);
    if (inUse !== wasInUse) {
      this.logger.warn(`replica ${r.name} ${inUse ? 'read from' : `not read from: ${r.error}`}`);
    }
  }

  /**
   * The replica's replay position `position`, read again a moment apart while it is short of the
   * primary's newest sample, until `deadline`. Under steady writes a replica replays within
   * milliseconds, yet is nearly always a little short of the position read just before it:
   * measured from the sample before, a probe's interval older, it was a second behind after each
   * probe and could pass REPLICA_MAX_LAG_MS (2 s) just before the next, so it was set aside for a
   * moment at many probes, with a warning each time (77 in one process's log over a few minutes of
   * the topology's drills). A replica truly behind costs a few more reads a second. A read that
   * fails keeps the position already read (the probe's first read was good); one that finds the
   * replica promoted meanwhile throws, as the first would have.
   */
  private async caughtUp(r: Replica, position: bigint, deadline: number): Promise<bigint> {
    const newest = this.samples.at(-1);
    while (newest && position < newest.lsn && !this.closing && Date.now() + CATCH_UP_PAUSE_MS < deadline) {
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_PAUSE_MS));
      const next = await this.replayed(r, Math.max(deadline - Date.now(), 1)).catch((error: Error) => {
        if (error instanceof NotAReplica) throw error;
        return undefined;
      });
      if (next === undefined) break;
      position = next;
    }
    return position;
  }

  /**
   * Where replica `r` has replayed the primary's WAL to, asked within `ms`. Out of recovery it is
   * NotAReplica: promoted (pg_last_wal_replay_lsn() still gives where its replay ended, so only
   * pg_is_in_recovery() tells), or not a replica at all; either way it no longer follows this primary.
   */
  private async replayed(r: Replica, ms: number): Promise<bigint> {
    const [{ recovering, replayed }] = await withTimeout<{ recovering: boolean; replayed: string | null }[]>(
      r.dataSource.query(
        `SELECT pg_is_in_recovery() AS recovering,
                pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::text AS replayed`,
      ),
      ms,
      r.name,
    );
    if (!recovering || replayed === null) throw new NotAReplica();
    return BigInt(replayed);
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

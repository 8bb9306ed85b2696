import { DataSource, QueryFailedError } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { lagBound, ReadReplicas } from './read-replicas';

const MAX_LAG_MS = 2_000;
const T0 = Date.UTC(2026, 0, 1);

/**
 * A server as the lag rule sees it: WAL positions and whether it is in recovery. The rule is
 * arithmetic on positions and times, tested here on a clock of Jest's; that a real replica is
 * read from, skipped and read again is test/e2e/operations/read-replicas.e2e-spec.ts's.
 */
class FakeServer {
  isInitialized = false;
  /** The primary's pg_current_wal_lsn(), or the replica's pg_last_wal_replay_lsn(). */
  lsn = 100n;
  recovering = true;
  /** Set: every query fails with it. */
  down?: Error;
  /** initialize() waits for this. */
  opening: Promise<void> = Promise.resolve();
  readonly initialize = jest.fn(async () => {
    await this.opening;
    this.isInitialized = true;
    return this;
  });
  readonly destroy = jest.fn(async () => {
    this.isInitialized = false;
  });
  readonly options = { entities: [] };
  /** What a read other than the probes' answers (or fails with). */
  read: () => Promise<unknown> = async () => 'read';

  async query(sql: string): Promise<unknown> {
    if (this.down) throw this.down;
    if (sql.includes('pg_current_wal_lsn')) return [{ lsn: String(this.lsn) }];
    if (sql.includes('pg_last_wal_replay_lsn')) return [{ recovering: this.recovering, replayed: String(this.lsn) }];
    return this.read();
  }
}

function replicasOn(primary: FakeServer, replica: FakeServer): ReadReplicas {
  const config = { DATABASE_REPLICA_URLS: 'postgres://qc@127.0.0.1:1/qc', REPLICA_MAX_LAG_MS: MAX_LAG_MS };
  const replicas = new ReadReplicas(primary as unknown as DataSource, config as AppConfig);
  (replicas as unknown as { replicas: { dataSource: unknown }[] }).replicas[0].dataSource = replica;
  return replicas;
}

const pgError = (code: string, message: string) =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('lagBound', () => {
  const samples = [
    { at: 1_000, lsn: 100n },
    { at: 2_000, lsn: 200n },
    { at: 3_000, lsn: 300n },
  ];

  it('measures from the last sample the replica has reached, not the first it has not', () => {
    expect(lagBound(samples, 250n, 3_100)).toBe(1_100);
    expect(lagBound(samples, 300n, 3_100)).toBe(100);
    expect(lagBound(samples, 99n, 3_100)).toBeNull();
  });
});

describe('ReadReplicas', () => {
  let primary: FakeServer;
  let replica: FakeServer;
  let replicas: ReadReplicas;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
    primary = new FakeServer();
    replica = new FakeServer();
    replicas = replicasOn(primary, replica);
  });

  afterEach(async () => {
    await replicas.onApplicationShutdown();
    jest.useRealTimers();
  });

  it('sets a replica aside when the primary stops answering its probe, as it can no longer tell the lag', async () => {
    await replicas.onModuleInit();
    expect(replicas.state()[0]).toMatchObject({ inUse: true, lagMs: 0 });
    primary.down = new Error('Connection terminated unexpectedly');
    await jest.advanceTimersByTimeAsync(MAX_LAG_MS + 1_000);
    const [state] = replicas.state();
    expect(state.inUse).toBe(false);
    expect(state.lagMs).toBeGreaterThan(MAX_LAG_MS);
    primary.down = undefined;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(replicas.state()[0]).toMatchObject({ inUse: true, lagMs: 0 });
  });

  it('counts a replica as far behind as it can be: up to the last position it reached, and the time since the probe', async () => {
    // The primary writes all the time: each probe finds it 100 further on.
    const writing = setInterval(() => (primary.lsn += 100n), 1_000);
    await replicas.onModuleInit();
    // The replica stops replaying half way between the first and second probe's positions.
    replica.lsn = 150n;
    await jest.advanceTimersByTimeAsync(2_000);
    // It has all the primary had at the first probe, 2 s ago, and not all of the second's.
    expect(replicas.state()[0]).toMatchObject({ lagMs: 2_000, inUse: true });
    await jest.advanceTimersByTimeAsync(500);
    // No probe since, but the time goes on counting: 2.5 s behind at worst, over the limit.
    expect(replicas.state()[0]).toMatchObject({ lagMs: 2_500, inUse: false });
    clearInterval(writing);
  });

  it('stays in use under steady writes when the replica replays within a moment of each probe', async () => {
    await replicas.onModuleInit();
    // From now on, each read of the primary's position finds it further on, and the replica
    // replays that position 20 ms later; every query takes 5 ms.
    for (const server of [primary, replica]) {
      const answer = server.query.bind(server);
      server.query = (sql: string) =>
        new Promise((resolve) => setTimeout(resolve, 5)).then(() => {
          if (server === primary && sql.includes('pg_current_wal_lsn')) {
            primary.lsn += 100n;
            const written = primary.lsn;
            setTimeout(() => (replica.lsn = written), 20);
          }
          return answer(sql);
        });
    }
    await jest.advanceTimersByTimeAsync(1_005);
    for (let probe = 1; probe <= 10; probe++) {
      // 5 ms into a probe, the last one's measure still holds it within the limit...
      expect(replicas.state()[0].inUse).toBe(true);
      await jest.advanceTimersByTimeAsync(90);
      // ...and this one has measured it at the primary's newest position, not the one before.
      expect(replicas.state()[0]).toMatchObject({ inUse: true, lagMs: expect.any(Number) });
      expect(replicas.state()[0].lagMs).toBeLessThan(200);
      await jest.advanceTimersByTimeAsync(910);
    }
    // Shut down while the clock runs: the probe under way waits on its queries' timers.
    const closed = replicas.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(1_000);
    await closed;
  });

  it('keeps probing every second when a replica that is behind answers slowly', async () => {
    await replicas.onModuleInit();
    // The replica has stopped replaying and takes 300 ms to answer; the primary writes on.
    let probes = 0;
    const [primaryAnswer, replicaAnswer] = [primary.query.bind(primary), replica.query.bind(replica)];
    primary.query = async (sql: string) => {
      if (sql.includes('pg_current_wal_lsn')) [probes, primary.lsn] = [probes + 1, primary.lsn + 100n];
      return primaryAnswer(sql);
    };
    replica.query = (sql: string) => new Promise((resolve) => setTimeout(resolve, 300)).then(() => replicaAnswer(sql));
    await jest.advanceTimersByTimeAsync(5_000);
    // One round a second: the catch-up stops half a second into a probe, so no tick is skipped.
    expect(probes).toBe(5);
    const closed = replicas.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(1_000);
    await closed;
  });

  it('sees a replica promoted while it is asked again for its position', async () => {
    await replicas.onModuleInit();
    // The primary moves on; the replica, still short of it, is promoted after its probe's first read.
    primary.lsn = 200n;
    const answer = replica.query.bind(replica);
    replica.query = async (sql: string) => {
      const rows = await answer(sql);
      if (sql.includes('pg_last_wal_replay_lsn')) replica.recovering = false;
      return rows;
    };
    // The next probe's first read at 1 000 ms, and the read again 50 ms later.
    await jest.advanceTimersByTimeAsync(1_100);
    expect(replicas.state()[0]).toMatchObject({ inUse: false, lagMs: null, error: expect.stringMatching(/recovery/) });
  });

  it('does not read from a replica that has been promoted', async () => {
    await replicas.onModuleInit();
    expect(replicas.state()[0].inUse).toBe(true);
    // Promoted: out of recovery, pg_last_wal_replay_lsn() still where its replay stopped.
    replica.recovering = false;
    primary.read = async () => 'from the primary';
    await jest.advanceTimersByTimeAsync(1_000);
    expect(replicas.state()[0]).toMatchObject({ inUse: false, lagMs: null, error: expect.stringMatching(/recovery/) });
    await expect(replicas.read((db) => db.query('SELECT 1'))).resolves.toBe('from the primary');
  });

  it.each([
    ['40001', 'canceling statement due to conflict with recovery'],
    ['40P01', 'canceling statement due to conflict with recovery'],
    ['57P04', 'terminating connection due to conflict with recovery'],
    ['40P01', 'Abbruch des Befehls wegen Konflikt mit der Wiederherstellung'],
    ['XX000', 'canceling statement due to conflict with recovery'],
    ['', 'Query read timeout'],
  ])('retries a read on the primary when the replica fails it with %s %s', async (code, message) => {
    await replicas.onModuleInit();
    replica.read = () => Promise.reject(pgError(code, message));
    primary.read = async () => 'from the primary';
    await expect(replicas.read((db) => db.query('SELECT 1'))).resolves.toBe('from the primary');
    expect(replicas.state()[0]).toMatchObject({ inUse: false, error: message });
  });

  it("passes on a replica's error that is the query's own fault", async () => {
    await replicas.onModuleInit();
    replica.read = () => Promise.reject(pgError('42P01', 'relation "nowhere" does not exist'));
    await expect(replicas.read((db) => db.query('SELECT 1'))).rejects.toThrow('nowhere');
    expect(replicas.state()[0].inUse).toBe(true);
  });

  it('opens one pool at a time for a replica slow to connect, and closes one that opens after shutdown', async () => {
    let open!: () => void;
    replica.opening = new Promise<void>((resolve) => (open = resolve));
    const started = replicas.onModuleInit();
    // Each probe gives up waiting after 5 s; the connect it started goes on.
    await jest.advanceTimersByTimeAsync(20_000);
    await started;
    expect(replicas.state()[0].inUse).toBe(false);
    expect(replica.initialize).toHaveBeenCalledTimes(1);
    const closed = replicas.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5_000);
    open();
    await closed;
    expect(replica.destroy).toHaveBeenCalledTimes(1);
    expect(replica.isInitialized).toBe(false);
  });
});

import autocannon from 'autocannon';
import Bull from 'bull';
import { createServer } from 'node:http';
import { Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { CLOCK_TICKS_PER_SECOND, cpuSample, machine } from '../../bench/lib';
import { loadConfig } from '../../src/config/app-config';
import { ConnectionOptions, openRedis, RedisClient } from '../../src/redis/connections';
import { RETRACTION } from '../../test/helpers/fixtures';
import { until } from '../../test/helpers/until';
import { Reachable } from '../../test/drills/lib/app';
import { printFigures } from '../../test/drills/lib/figures';
import {
  cleanRunChanges,
  count,
  grades,
  seedEnterprises,
  startRecompute,
  waitForJob,
} from '../../test/drills/lib/grading';
import { must, send } from '../../test/drills/lib/http';
import { Load, sleep } from '../../test/drills/lib/load';
import { CI, scale } from '../../test/drills/lib/scale';
import { Actors, createActors, login } from '../../test/drills/lib/world';
import { appLog, appPidOf, appRunning, AppSpec, at, killApp, startApp, stopApp } from './apps';
import { pgServerAt } from './engines/postgres';
import { redisClusterAt, sentinelAt } from './engines/redis';
import { haproxyStats, waitForServer } from './haproxy';
import {
  crashNode,
  patroniLeader,
  patroniReplicaRunning,
  PatroniNode,
  startPatroniNode,
  stopPatroniNode,
} from './patroni';
import { appEnv } from './topology';
import type { Topology } from './state';

/** One drill's figures, and whether its outcome holds (what topology.drill.ts asserts). */
export interface DrillResult {
  name: string;
  /** The command that reproduces it. */
  figures: Record<string, string | number | boolean>;
  /** The checks: name → passed. */
  checks: Record<string, boolean>;
}

/** How long the loads run (s) and how many enterprises the recomputes grade: DRILLS_SCALE=ci shortens them. */
const sizes = {
  lookupSeconds: scale.topologyLoadSeconds,
  replicaDownSeconds: scale.topologyReplicaDownSeconds,
  enterprises: scale.topologyEnterprises,
  throughputSeconds: scale.topologyThroughputSeconds,
  webhookEvents: CI ? 10 : 30,
  /** A key's limit a minute, for the rate limit across apis. */
  rateLimit: 60,
};

const PURPOSE = 'loan_review';

/** What every drill shares: the topology, its callers, a lookup load and the writes it checks. */
class Context {
  readonly api: Reachable;
  readonly apis: AppSpec[];
  readonly workers: AppSpec[];
  actors!: Actors;
  /** Codes the lookups ask about (graded enterprises, once seeded). */
  codes: string[] = [];
  private readonly keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly t: Topology) {
    this.api = at(t.urls.api);
    this.apis = t.apps.filter((a) => a.role === 'api');
    this.workers = t.apps.filter((a) => a.role === 'worker');
  }

  direct(app: AppSpec): Reachable {
    return at(`http://127.0.0.1:${app.port}`);
  }

  /** The database the app writes to, as the drill process reaches it. */
  get primary(): string {
    return this.t.urls.primary;
  }

  /** `concurrency` clients looking up credit statuses through HAProxy, as a bank's system does. */
  lookups(concurrency = 8, api = this.api, apiKey = this.actors.apiKey): Load {
    return new Load(concurrency, async (n) => {
      const code = this.codes[n % this.codes.length];
      const answer = await send(api.url(`/api/v1/credit-status/${code}?purpose=${PURPOSE}`), {
        apiKey,
        agent: this.keepAlive,
        timeoutMs: 10_000,
      });
      return String(answer.status);
    });
  }

  /** Writers recording credit records through HAProxy; what they were acknowledged is checked after. */
  writes(concurrency = 2, pauseMs = 50): Writes {
    return new Writes(this, concurrency, pauseMs);
  }

  async restartApp(app: AppSpec): Promise<void> {
    await startApp(this.t.root, app, appEnv(this.t.env, app));
  }
}

/** Records written under load: every one answered 201 must be in the database afterwards, once. */
class Writes {
  readonly acknowledged: string[] = [];
  readonly attempted: string[] = [];
  /** When a write last failed, and the first success after that. */
  lastFailure = 0;
  firstSuccessAfterFailure = 0;
  readonly load: Load;
  private readonly run = Date.now().toString(36);

  constructor(
    private readonly c: Context,
    concurrency: number,
    pauseMs: number,
  ) {
    this.load = new Load(
      concurrency,
      async (n) => {
        const documentNo = `TOPO-${this.run}-${n}`;
        this.attempted.push(documentNo);
        const answer = await send(c.api.url(`/api/v1/enterprises/${c.actors.uscc}/records`), {
          method: 'POST',
          token: c.actors.regulator,
          body: { type: 'spot_check_pass', occurredOn: '2026-03-15', documentNo, summary: '监督抽查：合格' },
          timeoutMs: 20_000,
        }).catch((error: NodeJS.ErrnoException) => {
          this.lastFailure = Date.now();
          this.firstSuccessAfterFailure = 0;
          throw error;
        });
        if (answer.status === 201) {
          this.acknowledged.push(documentNo);
          if (this.lastFailure && !this.firstSuccessAfterFailure) this.firstSuccessAfterFailure = Date.now();
        } else {
          this.lastFailure = Date.now();
          this.firstSuccessAfterFailure = 0;
        }
        return String(answer.status);
      },
      pauseMs,
    );
  }

  start(): this {
    this.load.start();
    return this;
  }

  /** Stops writing, then reads back every acknowledged record (from the primary, whichever node it is now). */
  async stop(): Promise<{ acknowledged: number; lost: number; duplicated: number; failed: number }> {
    await this.load.stop();
    const db = new Client({ connectionString: this.c.primary });
    await db.connect();
    try {
      const { rows } = await db.query<{ document_no: string; n: string }>(
        `SELECT document_no, count(*) AS n FROM credit_records WHERE document_no = ANY($1) GROUP BY document_no`,
        [this.attempted],
      );
      const stored = new Map(rows.map((r) => [r.document_no, Number(r.n)]));
      return {
        acknowledged: this.acknowledged.length,
        lost: this.acknowledged.filter((d) => !stored.has(d)).length,
        duplicated: [...stored.values()].reduce((sum, n) => sum + n - 1, 0),
        failed: this.load.count((k) => k !== '201'),
      };
    } finally {
      await db.end();
    }
  }
}

const failedOf = (load: Load) => load.count((k) => k !== '200');
const seconds = (ms: number) => (ms / 1_000).toFixed(1);

// ---------------------------------------------------------------------------------------------
// (a) an api replica SIGKILLed under a lookup load through HAProxy

async function apiKilled(c: Context): Promise<DrillResult> {
  const [victim] = c.apis;
  const before = await haproxyStats(c.t.root);
  const load = c.lookups(8).start();
  const writes = c.writes().start();
  const quarter = (sizes.lookupSeconds * 1_000) / 4;
  await sleep(quarter);
  const killedAt = Date.now();
  await killApp(c.t.root, victim);
  await waitForServer(c.t.root, 'apis', victim.name, 'DOWN', 30_000);
  const markedDownMs = Date.now() - killedAt;
  await sleep(Math.max(0, 2 * quarter - (Date.now() - killedAt)));
  const restartAt = Date.now();
  await c.restartApp(victim);
  const backUpMs = Date.now() - restartAt + (await waitForServer(c.t.root, 'apis', victim.name, 'UP', 60_000));
  await sleep(Math.max(0, 4 * quarter - (Date.now() - killedAt + quarter)));
  await load.stop();
  const written = await writes.stop();
  const after = await haproxyStats(c.t.root);
  const delta = (field: 'retries' | 'redispatches') =>
    after.filter((s) => s.proxy === 'apis').reduce((sum, s) => sum + s[field], 0) -
    before.filter((s) => s.proxy === 'apis').reduce((sum, s) => sum + s[field], 0);
  const failed = failedOf(load);
  return {
    name: 'api replica SIGKILLed under lookups',
    figures: {
      'load (s)': sizes.lookupSeconds,
      'lookups sent': load.sent,
      'lookups failed': failed,
      answers: load.summary(),
      'ms until HAProxy marked it DOWN': markedDownMs,
      'seconds it was down': seconds(restartAt - killedAt),
      'seconds from restart to UP in HAProxy': seconds(backUpMs),
      'HAProxy retries / redispatches': `${delta('retries')} / ${delta('redispatches')}`,
      'writes acknowledged': written.acknowledged,
      'writes failed': written.failed,
      'acknowledged writes lost': written.lost,
    },
    checks: {
      'HAProxy marked the killed api DOWN': markedDownMs < 30_000,
      // only requests in flight on the killed process can fail: a handful, never the load
      'failed lookups under 0.5 %': failed <= Math.max(5, load.sent * 0.005),
      'the api came back UP': backUpMs < 120_000,
      'no acknowledged write lost': written.lost === 0 && written.duplicated === 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// agreement: a full recompute's chunks spread over both workers, equal to a one-worker run

/** Chunks each worker has logged grading since `from` (characters of its log). */
function chunksLogged(c: Context, from: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of c.workers) {
    const text = appLog(c.t.root, w).slice(from[w.name] ?? 0);
    out[w.name] = text.split('\n').filter((line) => line.includes('graded chunk')).length;
  }
  return out;
}

const logOffsets = (c: Context) => Object.fromEntries(c.workers.map((w) => [w.name, appLog(c.t.root, w).length]));

async function recomputeAgreement(c: Context, admin: string): Promise<DrillResult> {
  const from = logOffsets(c);
  const started = Date.now();
  const id = await startRecompute(c.api, admin);
  const done = await waitForJob(c.api, admin, id, (j) => j.state === 'completed', 'the two-worker recompute', 600_000);
  const twoWorkers = (Date.now() - started) / 1_000;
  const perWorker = chunksLogged(c, from);
  const two = await grades(c.primary);
  const total = await count(c.primary, 'SELECT count(*) AS n FROM enterprises');

  // the same run by one worker: the other stopped (SIGTERM, drained)
  const [, second] = c.workers;
  await stopApp(c.t.root, second);
  const oneStarted = Date.now();
  const changed = await cleanRunChanges(c.api, admin);
  const oneWorker = (Date.now() - oneStarted) / 1_000;
  const one = await grades(c.primary);
  await c.restartApp(second);

  return {
    name: 'a full recompute on two workers',
    figures: {
      enterprises: total,
      'graded by the run': done.result?.enterprises ?? 'none',
      'chunks per worker': Object.entries(perWorker)
        .map(([w, n]) => `${w} ${n}`)
        .join(', '),
      'seconds, two workers (first grading)': twoWorkers.toFixed(1),
      'seconds, one worker (nothing to change)': oneWorker.toFixed(1),
      'grades a one-worker run changed': changed,
      'grades equal a one-worker run': two.digest === one.digest,
    },
    checks: {
      'every worker graded chunks': Object.values(perWorker).every((n) => n > 0),
      'grades equal a one-worker run': two.digest === one.digest && changed === 0 && two.graded === total,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (b) a worker SIGKILLed mid full recompute

async function workerKilled(c: Context, admin: string): Promise<DrillResult> {
  // new enterprises, so that the run has grades to write again (a first grading of these)
  await seedEnterprises(c.primary, sizes.enterprises, 9_000_000 + Math.floor(Math.random() * 1_000_000));
  const total = await count(c.primary, 'SELECT count(*) AS n FROM enterprises');
  const writes = c.writes().start();
  const id = await startRecompute(c.api, admin);
  const atKill = await waitForJob(c.api, admin, id, (j) => j.progress >= 20, 'the run to pass 20 %', 600_000);
  const [victim] = c.workers;
  await killApp(c.t.root, victim);
  const killedAt = Date.now();
  const done = await waitForJob(c.api, admin, id, (j) => j.state === 'completed', 'the run to complete', 600_000);
  const finished = (Date.now() - killedAt) / 1_000;
  await c.restartApp(victim);
  // the records written meanwhile regrade their enterprise (a regrading job each): settled first
  const written = await writes.stop();
  await until(
    'the regradings of the records written to settle',
    async () => (await count(c.primary, 'SELECT count(*) AS n FROM regrade_requests')) === 0,
    120_000,
    200,
  );
  const after = await grades(c.primary);
  const changed = await cleanRunChanges(c.api, admin);
  const clean = await grades(c.primary);
  return {
    name: 'a worker SIGKILLed mid full recompute',
    figures: {
      enterprises: total,
      JOB_LOCK_MS: c.t.env.JOB_LOCK_MS,
      'progress at kill (%)': atKill.progress,
      'seconds from kill to the run finished': finished.toFixed(1),
      'run result enterprises': done.result?.enterprises ?? 'none',
      'graded after': after.graded,
      'grades changed by a clean run': changed,
      'grades equal a clean run': after.digest === clean.digest,
      'writes acknowledged': written.acknowledged,
      'acknowledged writes lost': written.lost,
    },
    checks: {
      'the run finished with every enterprise': done.result?.enterprises === total && after.graded === total,
      'grades equal a clean run': changed === 0 && after.digest === clean.digest,
      'no acknowledged write lost': written.lost === 0 && written.duplicated === 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (c) the replica stopped: reads fall back to the primary

async function replicaStopped(c: Context): Promise<DrillResult> {
  const t = c.t;
  let stop: () => Promise<void>;
  let start: () => Promise<void>;
  if (t.pg.kind === 'streaming') {
    const replica = pgServerAt(t.root, t.pg.replica);
    stop = () => replica.stop('fast');
    start = () => replica.start();
  } else {
    const nodes = t.pg.nodes;
    const leader = await patroniLeader(nodes);
    const replica = nodes.find((n) => n.name !== leader.name)!;
    stop = () => stopPatroniNode(t.root, replica);
    start = async () => {
      startPatroniNode(t.root, t.pg.kind === 'patroni' ? t.pg.ports : (undefined as never), replica);
      await patroniReplicaRunning(replica);
    };
  }
  const load = c.lookups(8).start();
  const writes = c.writes().start();
  await sleep(3_000);
  const before = failedOf(load);
  const reads0 = await replicaReads(c);
  const stoppedAt = Date.now();
  await stop();
  await sleep(sizes.replicaDownSeconds * 1_000);
  const during = failedOf(load) - before;
  const reads1 = await replicaReads(c);
  const sentDuring = load.sent;
  await start();
  const backAt = Date.now();
  const caughtUp = await replicaCaughtUp(c, 60_000);
  const reads2 = await replicaReads(c);
  await sleep(3_000);
  const reads3 = await replicaReads(c);
  await load.stop();
  const written = await writes.stop();
  const share = (a: Reads, b: Reads) => `${b.replica - a.replica} / ${b.primary - a.primary}`;
  return {
    name: 'the replica stopped',
    figures: {
      'seconds from the stop to running again': seconds(backAt - stoppedAt),
      'seconds stopped (before the start)': sizes.replicaDownSeconds,
      'lookups sent': load.sent,
      'lookups failed while it was down': during,
      'lookups failed in all': failedOf(load),
      'reads given to a replica / the primary, before the stop': `${reads0.replica} / ${reads0.primary}`,
      'reads given to a replica / the primary, replica down': share(reads0, reads1),
      'reads given to a replica / the primary, 3 s after it caught up': share(reads2, reads3),
      answers: load.summary(),
      'seconds until it had caught up': caughtUp >= 0 ? seconds(caughtUp) : 'never',
      'writes acknowledged': written.acknowledged,
      'acknowledged writes lost': written.lost,
    },
    checks: {
      'lookups went on without the replica': sentDuring > 0 && failedOf(load) <= Math.max(5, load.sent * 0.005),
      'reads went to the primary while the replica was down': reads1.primary > reads0.primary,
      'reads went to the replica again': reads3.replica > reads2.replica,
      'the replica caught up': caughtUp >= 0,
      'no acknowledged write lost': written.lost === 0 && written.duplicated === 0,
    },
  };
}

interface Reads {
  replica: number;
  primary: number;
}

/**
 * Reads the apis gave to a replica and to the primary so far (their /metrics'
 * db_replica_reads_total): a read given to a replica that fails there is retried on the primary
 * and still counts as the replica's.
 */
async function replicaReads(c: Context): Promise<Reads> {
  const out = { replica: 0, primary: 0 };
  for (const app of c.apis) {
    const answer = await send(c.direct(app).url('/metrics'), { token: c.t.env.METRICS_TOKEN });
    for (const line of answer.body.split('\n')) {
      const m = /^db_replica_reads_total\{server="([^"]+)"\} (\d+)/.exec(line);
      if (m) out[m[1] === 'primary' ? 'primary' : 'replica'] += Number(m[2]);
    }
  }
  return out;
}

/** Waits until the primary sees a streaming replica that has replayed everything written so far; ms, or -1. */
async function replicaCaughtUp(c: Context, ms: number): Promise<number> {
  const started = Date.now();
  const db = new Client({ connectionString: c.primary });
  await db.connect();
  try {
    const [{ lsn }] = (await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows;
    await until(
      'the replica to replay what the primary has',
      async () => {
        const { rows } = await db.query<{ ok: boolean }>(
          `SELECT replay_lsn >= $1::pg_lsn AS ok FROM pg_stat_replication WHERE state = 'streaming'`,
          [lsn],
        );
        return rows.some((r) => r.ok);
      },
      ms,
      100,
    );
    return Date.now() - started;
  } catch {
    return -1;
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------------------------------------
// (d) full set: the primary failed over by Patroni while records are written

async function primaryFailedOver(c: Context): Promise<DrillResult> {
  const t = c.t;
  if (t.pg.kind !== 'patroni') throw new Error('the failover drill needs the full set (Patroni)');
  const nodes: PatroniNode[] = t.pg.nodes;
  const old = await patroniLeader(nodes);
  const writes = c.writes(4, 20).start();
  await sleep(3_000);
  const crashedAt = Date.now();
  crashNode(t.root, old);
  const promoted = await patroniLeader(
    nodes.filter((n) => n.name !== old.name),
    120_000,
  );
  const promotedAt = Date.now();
  await until(
    'a write to succeed on the new primary',
    async () => writes.firstSuccessAfterFailure > 0 || (writes.lastFailure === 0 && Date.now() - crashedAt > 30_000),
    180_000,
    100,
  );
  const writesBackAt = writes.firstSuccessAfterFailure || Date.now();
  await sleep(3_000);
  const written = await writes.stop();
  // the old primary comes back as a replica of the new one (pg_rewind)
  startPatroniNode(t.root, t.pg.ports, old);
  const rejoined = await patroniReplicaRunning(old, 180_000).then(
    () => true,
    () => false,
  );
  return {
    name: 'the primary failed over by Patroni under writes',
    figures: {
      'crashed leader': old.name,
      'new leader': promoted.name,
      'seconds to promotion': seconds(promotedAt - crashedAt),
      'seconds until writes succeed again': seconds(writesBackAt - crashedAt),
      'writes sent': writes.load.sent,
      'writes acknowledged (201)': written.acknowledged,
      'writes failed': written.failed,
      answers: writes.load.summary(),
      'acknowledged writes lost': written.lost,
      duplicated: written.duplicated,
      'old leader rejoined as replica': rejoined,
    },
    checks: {
      'a replica was promoted': promoted.name !== old.name,
      'writes succeed again within 60 s': writesBackAt - crashedAt < 60_000,
      'no acknowledged write lost': written.lost === 0 && written.duplicated === 0,
      'the old leader rejoined': rejoined,
    },
  };
}

/** A client of the topology's Redis (Cluster or Sentinel, with its passwords), opened as the app opens its own. */
function topologyRedis(t: Topology, options: ConnectionOptions): RedisClient {
  const { REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINEL_PASSWORD } = t.env;
  return openRedis(loadConfig({ REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINEL_PASSWORD }).redis, options);
}

// ---------------------------------------------------------------------------------------------
// (e) a Redis Cluster master SIGKILLed: the queues resume after the failover

/** The cluster's master for the slot of Bull's keys (`{qc:bull}`: every queue's keys share it). */
async function queueMaster(c: Context): Promise<number> {
  if (c.t.redis.kind !== 'cluster') throw new Error('not a cluster');
  const cluster = topologyRedis(c.t, { lazyConnect: true });
  try {
    await cluster.connect();
    const slot = (await cluster.call('CLUSTER', 'KEYSLOT', `{${c.t.env.REDIS_PREFIX}:bull}`)) as number;
    const slots = (await cluster.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const owner = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner[2][1];
  } finally {
    cluster.disconnect();
  }
}

async function redisMasterKilled(c: Context, admin: string): Promise<DrillResult> {
  const t = c.t;
  const load = c.lookups(4).start();
  const writes = c.writes().start();
  await sleep(2_000);
  let killed: number;
  let healthyMs: number;
  let restart: () => Promise<void>;
  const killedAt = Date.now();
  if (t.redis.kind === 'cluster') {
    const cluster = redisClusterAt(t.root);
    const port = await queueMaster(c);
    killed = await cluster.killMaster(port);
    healthyMs = await cluster.waitHealthy(60_000);
    restart = () => cluster.restart(killed);
  } else {
    const sentinel = sentinelAt(t.root);
    killed = await sentinel.master();
    await sentinel.failover();
    healthyMs = Date.now() - killedAt;
    restart = async () => undefined;
  }
  // a job queued after the kill: a full recompute, through the api
  const queuedAt = Date.now();
  const id = await until(
    'the api to queue a recompute',
    () => startRecompute(c.api, admin).catch(() => undefined),
    120_000,
    200,
  );
  const done = await waitForJob(
    c.api,
    admin,
    id,
    (j) => j.state === 'completed',
    'the recompute after the kill',
    600_000,
  )
    .then(() => true)
    .catch(() => false);
  const completedAt = Date.now();
  await restart();
  await sleep(1_000);
  await load.stop();
  const written = await writes.stop();
  return {
    name: t.redis.kind === 'cluster' ? 'a Redis Cluster master SIGKILLed' : 'a Sentinel failover',
    figures: {
      [t.redis.kind === 'cluster' ? 'killed master' : 'master failed over (SENTINEL FAILOVER)']: killed,
      [t.redis.kind === 'cluster' ? 'seconds until the cluster was healthy' : 'seconds until the failover was done']:
        seconds(healthyMs),
      'seconds from kill to a job queued': seconds(queuedAt - killedAt),
      'seconds from kill to that job completed': done ? seconds(completedAt - killedAt) : 'never',
      'lookups sent': load.sent,
      'lookups failed': failedOf(load),
      answers: load.summary(),
      'writes acknowledged': written.acknowledged,
      'writes failed': written.failed,
      'acknowledged writes lost': written.lost,
    },
    checks: {
      'a job queued after the kill completed': done,
      'no acknowledged write lost': written.lost === 0 && written.duplicated === 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// agreement: schedules, webhooks, a revoked key, a rate limit

/**
 * A Bull queue of the topology's Redis, as the app configures it, and how to close it: Bull's
 * close() leaves the connections a `createClient` option made open (it closes only its own), and
 * a Cluster client left open reconnects for good once the topology is down, which kept the drills'
 * Jest from exiting.
 */
function bullQueue(t: Topology, name: string): { queue: Bull.Queue; close(): Promise<void> } {
  const prefix = `{${t.env.REDIS_PREFIX}:bull}`;
  const opened: RedisClient[] = [];
  const open = (): RedisClient => topologyRedis(t, { maxRetriesPerRequest: null, enableReadyCheck: false });
  const queue = new Bull(name, {
    prefix,
    createClient: () => {
      const client = open();
      opened.push(client);
      return client;
    },
  });
  return {
    queue,
    async close() {
      await queue.close();
      for (const client of opened.splice(0)) client.disconnect();
    },
  };
}

const SCHEDULES: Record<string, string[]> = {
  maintenance: ['blacklist-expiry', 'audit-checkpoint', 'query-log-months'],
  recomputes: ['nightly-recompute'],
  exports: ['daily-exports'],
};

async function schedulesOnce(c: Context): Promise<DrillResult> {
  const figures: Record<string, string | number | boolean> = {};
  const checks: Record<string, boolean> = {};
  for (const [name, ids] of Object.entries(SCHEDULES)) {
    const { queue, close } = bullQueue(c.t, name);
    try {
      const repeatable = await queue.getRepeatableJobs();
      // Bull's next run of a schedule is a delayed job `repeat:<hash>:<time>` named as the schedule's job
      const nextRuns = async (jobName: string) =>
        (await queue.getDelayed()).filter((j) => j.name === jobName && String(j.id).startsWith('repeat:'));
      for (const id of ids) {
        const entries = repeatable.filter((r) => r.id === id);
        const jobName = entries[0]?.name ?? id;
        const next = await nextRuns(jobName);
        figures[`${id}: schedules / next runs queued`] = `${entries.length} / ${next.length}`;
        checks[`${id} is scheduled once`] = entries.length === 1 && next.length === 1;
        // the maintenance schedules fired now: one run, by one worker, and again one next run
        if (name !== 'maintenance' || next.length !== 1) continue;
        const completed = async () => (await queue.getCompleted()).filter((j) => j.name === jobName).length;
        const completedBefore = await completed();
        await next[0].promote();
        const ran = await until(
          `${id} to run`,
          async () => {
            const j = await queue.getJob(next[0].id);
            return j?.finishedOn ? j : undefined;
          },
          60_000,
          100,
        ).catch(() => undefined);
        await sleep(1_000); // a second run, were there one, would have ended by now
        const runs = (await completed()) - completedBefore;
        const again = (await nextRuns(jobName)).length;
        figures[`${id}: fired now, runs completed / next runs queued`] = ran ? `${runs} / ${again}` : 'did not run';
        checks[`${id} fired once`] = !!ran && !ran.failedReason && runs === 1 && again === 1;
      }
    } finally {
      await close();
    }
  }
  return { name: 'schedules registered by both workers', figures, checks };
}

/** A webhook receiver counting what each subscription (its path) is sent, by `webhook-id`. */
async function webhookOnce(c: Context): Promise<DrillResult> {
  const received = new Map<string, number>();
  const run = Date.now().toString(36);
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // one event goes to each subscription under the same webhook-id: a delivery is the pair
      const id = `${req.url} ${String(req.headers['webhook-id'])}`;
      if (req.url?.startsWith(`/hooks/${run}/`)) received.set(id, (received.get(id) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(c.t.receiverPort, '127.0.0.1', resolve));
  try {
    const subscriptions = 2;
    const ids: string[] = [];
    for (let i = 0; i < subscriptions; i++) {
      const made = await must(
        c.api.url('/api/v1/webhooks'),
        {
          method: 'POST',
          apiKey: c.actors.apiKey,
          body: {
            url: `http://127.0.0.1:${c.t.receiverPort}/hooks/${run}/${i}`,
            events: ['record.retracted'],
            secret: 'topology-webhook-secret-0123456789',
          },
        },
        201,
      );
      ids.push(made.json().id);
    }
    for (let i = 0; i < sizes.webhookEvents; i++) {
      const record = await must(
        c.api.url(`/api/v1/enterprises/${c.actors.uscc}/records`),
        { method: 'POST', token: c.actors.regulator, body: RETRACTION.penalty(`HOOK-${run}-${i}`) },
        201,
      );
      await must(
        c.api.url(`/api/v1/records/${record.json().id}/corrections`),
        { method: 'POST', token: c.actors.regulator, body: RETRACTION.withdrawal },
        201,
      );
    }
    const wanted = sizes.webhookEvents * subscriptions;
    const started = Date.now();
    await until('every delivery', async () => received.size >= wanted, 120_000, 100).catch(() => undefined);
    const allIn = Date.now() - started;
    await sleep(3_000); // late duplicates would come now
    const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
    for (const id of ids)
      await must(c.api.url(`/api/v1/webhooks/${id}`), { method: 'DELETE', apiKey: c.actors.apiKey }, 204);
    return {
      name: 'webhooks with two dispatchers',
      figures: {
        'events × subscriptions': `${sizes.webhookEvents} × ${subscriptions}`,
        'deliveries expected': wanted,
        'distinct deliveries received (subscription, webhook-id)': received.size,
        'duplicate deliveries': duplicates,
        'seconds until all were in': seconds(allIn),
      },
      checks: { 'every event delivered once per subscription': received.size === wanted && duplicates === 0 },
    };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function newKey(c: Context, admin: string, rateLimitPerMinute = 1_000_000): Promise<{ id: string; key: string }> {
  const institution = await must(
    c.api.url('/api/v1/institutions'),
    {
      method: 'POST',
      token: admin,
      body: { name: `拓扑演练银行${Date.now() % 100_000}`, kind: 'bank', departmentCode: 'PBOC' },
    },
    201,
  );
  const key = await must(
    c.api.url(`/api/v1/institutions/${institution.json().id}/api-keys`),
    { method: 'POST', token: admin, body: { scopes: ['status:read'], rateLimitPerMinute } },
    201,
  );
  return key.json();
}

async function revokedKey(c: Context, admin: string): Promise<DrillResult> {
  const [api1, api2] = c.apis.map((a) => c.direct(a));
  const lookup = (api: Reachable, key: string) =>
    send(api.url(`/api/v1/credit-status/${c.codes[0]}?purpose=${PURPOSE}`), { apiKey: key }).then((a) => a.status);
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const key = await newKey(c, admin);
    // both apis have the key in their caches
    for (const api of [api1, api2])
      if ((await lookup(api, key.key)) !== 200) throw new Error('a fresh key was refused');
    await must(api1.url(`/api/v1/api-keys/${key.id}`), { method: 'DELETE', token: admin }, 204);
    const revokedAt = performance.now();
    await until('api2 to refuse the revoked key', async () => (await lookup(api2, key.key)) === 401, 10_000, 5);
    times.push(performance.now() - revokedAt);
  }
  const worst = Math.max(...times);
  return {
    name: 'a key revoked through api1, used on api2',
    figures: {
      rounds: times.length,
      'ms until api2 refused it (each round)': times.map((ms) => ms.toFixed(0)).join(', '),
      'ms, worst': worst.toFixed(0),
    },
    checks: { 'refused by the other api within 1 s': worst < 1_000 },
  };
}

async function rateLimitAcross(c: Context, admin: string): Promise<DrillResult> {
  const limit = sizes.rateLimit;
  const key = await newKey(c, admin, limit);
  const [api1, api2] = c.apis.map((a) => c.direct(a));
  const answers = await Promise.all(
    Array.from({ length: 2 * limit }, (_, i) =>
      send((i % 2 ? api2 : api1).url(`/api/v1/credit-status/${c.codes[i % c.codes.length]}?purpose=${PURPOSE}`), {
        apiKey: key.key,
      }).then((a) => a.status),
    ),
  );
  const allowed = answers.filter((s) => s === 200).length;
  const refused = answers.filter((s) => s === 429).length;
  return {
    name: 'a rate limit across both apis',
    figures: {
      'limit (per minute, one key)': limit,
      'requests (half to each api)': answers.length,
      allowed,
      'refused 429': refused,
      other: answers.length - allowed - refused,
    },
    checks: {
      'the two apis together allow at most the limit':
        allowed <= limit && allowed >= limit * 0.95 && refused === answers.length - allowed,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// throughput: lookups/s through HAProxy with both apis, and each process's CPU

async function throughput(c: Context): Promise<DrillResult> {
  const pids = Object.fromEntries(
    [...c.t.apps.map((a) => [a.name, appPidOf(c.t.root, a)] as const)].filter(([, pid]) => pid),
  ) as Record<string, number>;
  const before = cpuSample();
  let i = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      {
        url: c.t.urls.api,
        connections: 50,
        duration: sizes.throughputSeconds,
        headers: { 'x-api-key': c.actors.apiKey },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              path: `/api/v1/credit-status/${c.codes[i++ % c.codes.length]}?purpose=${PURPOSE}`,
            }),
          },
        ],
      },
      (error, r) => (error ? reject(error) : resolve(r)),
    ),
  );
  const after = cpuSample();
  const cpu: Record<string, string> = {};
  if (before && after) {
    const spent = (pid: number) =>
      ((after.get(pid)?.ticks ?? 0) - (before.get(pid)?.ticks ?? 0)) / CLOCK_TICKS_PER_SECOND;
    for (const [name, pid] of Object.entries(pids)) cpu[`CPU s, ${name}`] = spent(pid).toFixed(1);
    const byName = (comm: string) =>
      [...after.entries()]
        .filter(([, p]) => p.comm === comm || p.comm.startsWith(comm))
        .reduce((sum, [pid, p]) => sum + p.ticks - (before.get(pid)?.ticks ?? 0), 0) / CLOCK_TICKS_PER_SECOND;
    cpu['CPU s, haproxy'] = byName('haproxy').toFixed(1);
    cpu['CPU s, postgres (all servers of the machine)'] = byName('postgres').toFixed(1);
    cpu['CPU s, redis-server (all)'] = byName('redis-server').toFixed(1);
  }
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return {
    name: 'lookup throughput through HAProxy (two apis)',
    figures: {
      'seconds, connections': `${sizes.throughputSeconds}, 50`,
      'lookups/s': Math.round(result.requests.average),
      'p50 / p99 ms': `${result.latency.p50} / ${result.latency.p99}`,
      'non-2xx or errors': non2xx,
      ...cpu,
    },
    checks: { 'lookups answered': result.requests.total > 0 && non2xx === 0 },
  };
}

// ---------------------------------------------------------------------------------------------

export const DOCS = join(__dirname, '../../docs/scale-out.md');

/** Runs every drill of the topology in turn, prints each one's figures, and (unless told not to) writes them to docs/scale-out.md. */
export async function drill(
  t: Topology,
  /** `only`: the drills whose step name contains it (and no docs written). */
  options: { writeDocs?: boolean; only?: string; log?: (line: string) => void } = {},
): Promise<DrillResult[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const c = new Context(t);
  for (const app of t.apps)
    if (!appRunning(t.root, app)) throw new Error(`${app.name} is not running: is the topology up?`);
  const admin = await login(c.api, t.admin.username, t.admin.password);
  c.actors = await createActors(c.api, `.${Date.now().toString(36)}`);
  log(`seeding ${sizes.enterprises} enterprises`);
  const serialFrom = 5_000_000 + Math.floor(Math.random() * 1_000_000);
  await seedEnterprises(c.primary, sizes.enterprises, serialFrom);
  const db = new Client({ connectionString: c.primary });
  await db.connect();
  const seeded = await db.query<{ uscc: string }>(`SELECT uscc FROM enterprises ORDER BY id DESC LIMIT 2000`);
  await db.end();
  c.codes = seeded.rows.map((r) => r.uscc);
  // a freshly seeded database may not be graded: grading is the agreement drill's first run
  const steps: [string, () => Promise<DrillResult>][] = [
    ['agreement: recompute', () => recomputeAgreement(c, admin)],
    ['agreement: schedules', () => schedulesOnce(c)],
    ['agreement: webhooks', () => webhookOnce(c)],
    ['agreement: revoked key', () => revokedKey(c, admin)],
    ['agreement: rate limit', () => rateLimitAcross(c, admin)],
    ['throughput', () => throughput(c)],
    ['(a) api killed', () => apiKilled(c)],
    ['(b) worker killed', () => workerKilled(c, admin)],
    ['(c) replica stopped', () => replicaStopped(c)],
    ...(t.pg.kind === 'patroni'
      ? ([['(d) primary failed over', () => primaryFailedOver(c)]] as [string, () => Promise<DrillResult>][])
      : []),
    ['(e) redis master killed', () => redisMasterKilled(c, admin)],
  ];
  const results: DrillResult[] = [];
  for (const [what, step] of steps) {
    if (options.only && !what.includes(options.only)) continue;
    log(`\n-- ${what}`);
    const started = Date.now();
    let result: DrillResult;
    try {
      result = await step();
    } catch (error) {
      result = {
        name: what,
        figures: { error: (error as Error).message.slice(0, 300) },
        checks: { 'ran to its end': false },
      };
    }
    result.figures['drill took (s)'] = seconds(Date.now() - started);
    printFigures(`topology: ${result.name}`, {
      ...result.figures,
      ...Object.fromEntries(Object.entries(result.checks).map(([k, ok]) => [`check: ${k}`, ok ? 'yes' : 'NO'])),
    });
    results.push(result);
    // every process up again before the next drill, whatever this one left
    for (const app of t.apps) if (!appRunning(t.root, app)) await c.restartApp(app);
  }
  if (options.writeDocs !== false) await writeDocs(t, results);
  const failed = results.flatMap((r) =>
    Object.entries(r.checks)
      .filter(([, ok]) => !ok)
      .map(([k]) => `${r.name}: ${k}`),
  );
  log(failed.length ? `\n${failed.length} checks failed:\n  ${failed.join('\n  ')}` : '\nevery check passed');
  return results;
}

/** The drills' figures as markdown, between markers of this set (full or reduced) under the drills section. */
export async function writeDocs(t: Topology, results: DrillResult[]): Promise<void> {
  const set = t.reduced ? 'reduced' : 'full';
  const begin = `<!-- topology drill results: ${set} -->`;
  const end = `<!-- /topology drill results: ${set} -->`;
  const command = t.reduced
    ? 'npm run build && npm run topology -- up --reduced && npm run topology -- drill && npm run topology -- down'
    : 'npm run build && npm run topology -- up && npm run topology -- drill && npm run topology -- down';
  const body = [
    begin,
    `### ${t.reduced ? 'Reduced set (no Patroni; what CI runs, at CI scale there)' : 'Full set (Patroni + etcd)'}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '```sh',
    command,
    '```',
    '',
    `Redis ${t.redisKind}; ${CI ? 'DRILLS_SCALE=ci' : 'full scale'}; the machine: ${machine()}.`,
    '',
    ...results.flatMap((r) => [
      `**${r.name}**`,
      '',
      '| figure | value |',
      '| --- | --- |',
      ...Object.entries(r.figures).map(([k, v]) => `| ${k} | ${String(v).replace(/\|/g, '\\|')} |`),
      ...Object.entries(r.checks).map(([k, ok]) => `| check: ${k} | ${ok ? 'yes' : '**no**'} |`),
      '',
    ]),
    end,
  ].join('\n');
  const doc = readFileSync(DOCS, 'utf8');
  const marker = '<!-- section: drills -->';
  let next: string;
  if (doc.includes(begin)) next = doc.slice(0, doc.indexOf(begin)) + body + doc.slice(doc.indexOf(end) + end.length);
  else {
    const at = doc.indexOf('\n<!-- section:', doc.indexOf(marker) + marker.length);
    next = `${doc.slice(0, at).trimEnd()}\n\n${body}\n${doc.slice(at)}`;
  }
  // formatted as `npm run format` would (the tables aligned); prettier loaded only here, as it
  // loads its plugins by dynamic import, which Jest (the CI drill, which writes no doc) cannot run
  const { format, resolveConfig } = await import('prettier');
  writeFileSync(DOCS, await format(next, { ...(await resolveConfig(DOCS)), filepath: DOCS }));
}

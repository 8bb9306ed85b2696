import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { PgServer, startPrimary, startReplica } from '../../../deploy/local/engines/postgres';
import { addDays } from '../../../src/common/calendar-days';
import { beijingDate } from '../../../src/common/clock';
import { REPLICA_QUERY_TIMEOUT_MS } from '../../../src/database/read-replicas';
import { ExportsService } from '../../../src/sharing/exports/exports.service';
import { copyTemplateTo } from '../../helpers/databases';
import { runSql } from '../../helpers/environment';
import { CODES, createEnterprise, createKey } from '../../helpers/fixtures';
import { freePort } from '../../helpers/private-redis';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

const METRICS_TOKEN = 'metrics-token-for-tests';
const MAX_LAG_MS = 3_000;
const VALVES = '温州市鹿城阀门有限公司';
const SHOES = '龙湾测试鞋业有限公司';

interface ReplicaState {
  name: string;
  lagMs: number | null;
  inUse: boolean;
}

/**
 * The app on a private primary and a streaming replica of it (deploy/local/engines/postgres.ts):
 * public reads and status lookups are served by the replica, which is proved by what they show
 * while its replay is paused (a write the primary has and the replica has not), not by asking
 * the code; the query log is written on the primary; a replica stopped or too far behind is
 * skipped with no request failing. Needs root (the servers run as the postgres user).
 */
describe('reads from a streaming replica', () => {
  let root: string;
  let primary: PgServer | undefined;
  let replica: PgServer | undefined;
  let t: TestApp | undefined;
  let bankKey: string;
  let replicaUrl: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'qc-replicas-'));
    primary = await startPrimary(root, await freePort());
    const databaseUrl = await copyTemplateTo(primary.url('postgres'), 'qc');
    replica = await startReplica(primary, root, await freePort());
    replicaUrl = replica.url('qc');
    t = await TestApp.start(__filename, {
      DATABASE_URL: databaseUrl,
      DATABASE_REPLICA_URLS: replicaUrl,
      REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      METRICS_TOKEN,
      PUBLIC_RATE_LIMIT: '1000000',
      EXPORT_DIR: join(root, 'exports'),
    });
    const admin = await t.loginAdmin();
    await createEnterprise(t, admin, CODES.wenzhouLike, { name: VALVES });
    bankKey = (await createKey(t, admin, ['status:read', 'batch:read', 'feed:read'])).key;
    await until('the replica to have the enterprise', async () => {
      const rows = await runSql(replicaUrl, `SELECT 1 FROM enterprises WHERE uscc = $1`, [CODES.wenzhouLike]);
      return rows.length > 0;
    });
  }, 60_000);

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await replica?.stop('immediate').catch(() => undefined);
      await primary?.stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });

  const app = () => t!;
  const search = (q: string) =>
    app().request({ method: 'GET', url: `/api/v1/public/enterprises?q=${encodeURIComponent(q)}` });
  const found = async (q: string) => {
    const res = await search(q);
    expect(res.statusCode).toBe(200);
    return res.json().items.map((i: { name: string }) => i.name) as string[];
  };
  const page = (uscc: string) => app().request({ method: 'GET', url: `/api/v1/public/enterprises/${uscc}` });
  const lookup = (uscc: string) =>
    app().request({
      method: 'GET',
      url: `/api/v1/credit-status/${uscc}?purpose=loan_review`,
      headers: { 'x-api-key': bankKey },
    });
  const batch = (usccs: string[]) =>
    app().request({
      method: 'POST',
      url: '/api/v1/credit-status/batch',
      headers: { 'x-api-key': bankKey },
      body: { purpose: 'loan_review', usccs },
    });
  const replicaState = async (): Promise<ReplicaState> => {
    const res = await app().request({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    return res.json().details.replicas.servers[0];
  };
  const metric = async (name: string) => {
    const res = await app().request({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    return res.body.split('\n').filter((line) => line.startsWith(name));
  };
  const loggedOnPrimary = async (uscc: string) =>
    (await app().sql<{ n: number }>(`SELECT count(*)::int AS n FROM credit_queries WHERE uscc = $1`, [uscc]))[0].n;

  it('serves public search and pages, stats and status lookups from the replica, logs them on the primary, and skips it while it lags', async () => {
    expect(await replicaState()).toMatchObject({ inUse: true });
    const admin = await app().loginAdmin();
    const registered = async () => {
      const res = await app().request({ method: 'GET', url: '/api/v1/stats/overview', token: admin });
      expect(res.statusCode).toBe(200);
      return res.json().grades.total.total as number;
    };
    await runSql(replicaUrl, 'SELECT pg_wal_replay_pause()');
    try {
      // Written on the primary after the replica stopped replaying: only the primary has it.
      await createEnterprise(t!, admin, CODES.beijing, { name: SHOES, districtCode: '330303' });
      const paused = Date.now();
      expect(await registered()).toBe(1);
      expect(await found('鞋业')).toEqual([]);
      expect(await found('阀门')).toEqual([VALVES]);
      expect((await page(CODES.beijing)).statusCode).toBe(404);
      expect((await lookup(CODES.beijing)).statusCode).toBe(404);
      const screened = await batch([CODES.beijing, CODES.wenzhouLike]);
      expect(screened.statusCode).toBe(200);
      expect(screened.json().notFound).toEqual([CODES.beijing]);
      // All of that within the lag allowed, so it was the replica that answered.
      expect(Date.now() - paused).toBeLessThan(MAX_LAG_MS);
      // The log rows are on the primary, the replica (paused) has none of them.
      expect(await loggedOnPrimary(CODES.beijing)).toBe(2);
      expect(await runSql(replicaUrl, `SELECT 1 FROM credit_queries WHERE uscc = $1`, [CODES.beijing])).toEqual([]);
      expect((await metric('db_replica_reads_total')).join('\n')).toMatch(/server="127\.0\.0\.1:\d+\/qc"} [1-9]/);

      // Further behind than REPLICA_MAX_LAG_MS: skipped, and the primary answers with what it has.
      const skipped = await until('the replica to be skipped', async () => {
        const state = await replicaState();
        return !state.inUse && state;
      });
      expect(skipped.lagMs).toBeGreaterThan(MAX_LAG_MS);
      expect(await metric('db_replica_in_use')).toEqual([expect.stringMatching(/} 0$/)]);
      expect(await found('鞋业')).toEqual([SHOES]);
      expect((await lookup(CODES.beijing)).statusCode).toBe(200);
      expect((await page(CODES.beijing)).statusCode).toBe(200);
      expect(await registered()).toBe(2);
    } finally {
      await runSql(replicaUrl, 'SELECT pg_wal_replay_resume()');
    }
    // Caught up: read from again, and it has what the primary has.
    await until('the replica to be read from again', async () => (await replicaState()).inUse);
    expect(await runSql(replicaUrl, `SELECT 1 FROM enterprises WHERE uscc = $1`, [CODES.beijing])).toHaveLength(1);
    expect(await found('鞋业')).toEqual([SHOES]);
  });

  it('falls back to the primary with no failed request while the replica is stopped, and returns to it', async () => {
    expect(await replicaState()).toMatchObject({ inUse: true });
    const statuses: number[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const answers = await Promise.all([search('阀门'), page(CODES.wenzhouLike), lookup(CODES.wenzhouLike)]);
        statuses.push(...answers.map((a) => a.statusCode));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await replica!.stop('immediate');
      const state = await until('the replica to be set aside', async () => {
        const s = await replicaState();
        return !s.inUse && s;
      });
      expect(state.lagMs).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await replica!.start();
      await until('the replica to be read from again', async () => (await replicaState()).inUse, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      stop = true;
      await load;
    }
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("writes a day's export whole on the primary when the replica fails it midway, leaving no file open", async () => {
    expect(await replicaState()).toMatchObject({ inUse: true });
    const exportDir = join(root, 'exports');
    const openFiles = () =>
      readdirSync('/proc/self/fd')
        .map((fd) => {
          try {
            return readlinkSync(join('/proc/self/fd', fd));
          } catch {
            return '';
          }
        })
        .filter((path) => path.startsWith(exportDir));
    const date = addDays(beijingDate(new Date()), -1);
    // The listings locked on the primary, a lock the replica replays: the export's read of them
    // on the replica waits, once it has written the day's changes and grades.
    let departments: string[] | undefined;
    const locker = new Client({ connectionString: app().config.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE blacklist_listings IN ACCESS EXCLUSIVE MODE');
      await until('the replica to hold the lock too', async () => {
        // A commit beside it has the WAL the lock is in written out and sent.
        await runSql(app().config.DATABASE_URL, 'SELECT txid_current()');
        const held = await runSql(
          replicaUrl,
          `SELECT 1 FROM pg_locks WHERE relation = 'blacklist_listings'::regclass AND mode = 'AccessExclusiveLock'`,
        );
        return held.length > 0;
      });
      const written = app().app.get(ExportsService).writeDay(date);
      written.catch(() => undefined);
      const waiting = await until('the export to wait for the listings on the replica', async () => {
        const rows = await runSql<{ pid: number }>(
          replicaUrl,
          `SELECT pid FROM pg_locks WHERE NOT granted AND relation = 'blacklist_listings'::regclass`,
        );
        return rows.length > 0 && rows;
      });
      // The replica's session ends under the export (as when the replica restarts): the run is
      // retried on the primary, which the lock then no longer holds up.
      for (const { pid } of waiting) await runSql(replicaUrl, 'SELECT pg_terminate_backend($1)', [pid]);
      await locker.query('COMMIT');
      departments = (await written).departments;
    } finally {
      await locker.end();
    }
    expect(departments?.length).toBeGreaterThan(0);
    const published = join(exportDir, departments![0], date);
    const manifest = JSON.parse(readFileSync(join(published, 'manifest.json'), 'utf8')) as {
      files: { name: string; rows: number; sha256: string }[];
    };
    for (const file of manifest.files) {
      const bytes = readFileSync(join(published, file.name));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      const lines = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean);
      expect(lines.length - (file.name.endsWith('.csv.gz') ? 1 : 0)).toBe(file.rows);
    }
    // The replica's run wrote half of it: its files were closed, not left open.
    expect(openFiles()).toEqual([]);
    await until('the replica to be read from again', async () => (await replicaState()).inUse);
  });

  it('answers a read from the primary when the replica goes quiet in the middle of it', async () => {
    await until('the replica to be read from', async () => (await replicaState()).inUse);
    const postmaster = Number(readFileSync(join(replica!.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const processes = [
      postmaster,
      ...execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number),
    ];
    // Frozen, as a server whose machine or network stalls: connections stay open, nothing answers.
    for (const pid of processes) process.kill(pid, 'SIGSTOP');
    try {
      const asked = Date.now();
      // Asked at once, several of them go to the replica before its probe sets it aside.
      const answers = await Promise.all([
        search('阀门'),
        search('阀门'),
        page(CODES.wenzhouLike),
        page(CODES.wenzhouLike),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
      expect(Date.now() - asked).toBeLessThan(REPLICA_QUERY_TIMEOUT_MS + 5_000);
      expect((await replicaState()).inUse).toBe(false);
    } finally {
      for (const pid of processes) process.kill(pid, 'SIGCONT');
    }
    await until('the replica to be read from again', async () => (await replicaState()).inUse, 20_000);
  });

  it('stops reading from a replica that is promoted', async () => {
    await until('the replica to be read from', async () => (await replicaState()).inUse);
    await runSql(replicaUrl, 'SELECT pg_promote(true)');
    // Promoted, it takes writes of its own and no longer follows the primary: never read from again.
    const state = await until('the promoted replica to be set aside', async () => {
      const s = await replicaState();
      return !s.inUse && s;
    });
    expect(state).toMatchObject({ inUse: false, lagMs: null, error: expect.stringMatching(/not in recovery/) });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await replicaState()).inUse).toBe(false);
  });
});

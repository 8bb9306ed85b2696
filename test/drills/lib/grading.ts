import { Client } from 'pg';
import { makeUscc } from '../../../src/common/uscc';
import { loadConfig } from '../../../src/config/app-config';
import { bullPrefixOf } from '../../../src/jobs/bull-connections';
import { openRedis } from '../../../src/redis/connections';
import { until } from '../../helpers/until';
import { Reachable } from './app';
import { get, must } from './http';

async function sql<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export const count = async (url: string, query: string, params: unknown[] = []) =>
  Number((await sql<{ n: string }>(url, query, params))[0].n);

/**
 * `n` enterprises over three districts with two or three records each, of assorted types, so
 * that grades spread over A to D (the recompute e2e test's world, larger).
 */
export async function seedEnterprises(url: string, n: number, serialFrom = 5_000_000): Promise<void> {
  const codes = Array.from({ length: n }, (_, i) => makeUscc(['330302', '330303', '330381'][i % 3], serialFrom + i));
  await sql(
    url,
    `INSERT INTO enterprises (uscc, name, district_code, registered_on)
     SELECT u, '测试企业' || n, (ARRAY['330302', '330303', '330381'])[1 + n % 3], DATE '2005-01-01'
       FROM unnest($1::text[]) WITH ORDINALITY AS x(u, n)`,
    [codes],
  );
  await sql(
    url,
    `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, disclosed, department_code)
     SELECT e.id, (ARRAY['spot_check_fail', 'administrative_penalty', 'quality_award', 'spot_check_pass', 'license_revoked'])[1 + (e.id * 7 + k) % 5],
            (ARRAY['minor', 'general', 'serious', 'critical'])[1 + (e.id + k) % 4],
            DATE '2026-01-01' - ((e.id * 13 + k * 101) % 1500)::int, 'K-' || e.id || '-' || k, '记录', true, 'QTS'
       FROM enterprises e CROSS JOIN generate_series(1, 2 + (e.id % 2)::int) k
      WHERE e.id % 17 <> 0 AND e.uscc = ANY($1)`,
    [codes],
  );
}

/** Grades of every enterprise, one digest, and how many there are. */
export async function grades(url: string): Promise<{ graded: number; open: number; digest: string }> {
  const [row] = await sql<{ graded: string; open: string; digest: string }>(
    url,
    `SELECT (SELECT count(*) FROM classifications) AS graded,
            (SELECT count(*) FROM classification_history WHERE valid_to IS NULL) AS open,
            (SELECT md5(string_agg(enterprise_id || ':' || grade || ':' || score, ',' ORDER BY enterprise_id))
               FROM classifications) AS digest`,
  );
  return { graded: Number(row.graded), open: Number(row.open), digest: row.digest };
}

export interface JobView {
  id: string;
  state: string;
  progress: number;
  result?: { enterprises: number; changed: number };
  failedReason?: string;
}

export async function startRecompute(api: Reachable, admin: string): Promise<string> {
  const answer = await must(api.url('/api/v1/classification/recompute'), { method: 'POST', token: admin }, 202);
  return answer.json().jobId;
}

/** The job as the API shows it; undefined while it answers 404 (e.g. lost with Redis). */
export async function job(api: Reachable, admin: string, id: string): Promise<JobView | undefined> {
  const answer = await get(api.url(`/api/v1/jobs/${id}`), { token: admin });
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new Error(`job ${id}: ${answer.status} ${answer.body}`);
  return answer.json();
}

export async function waitForJob(
  api: Reachable,
  admin: string,
  id: string,
  test: (j: JobView) => boolean,
  what: string,
  ms = 300_000,
): Promise<JobView> {
  return until(
    what,
    async () => {
      const j = await job(api, admin, id);
      if (j?.state === 'failed') throw new Error(`job ${id} failed: ${j.failedReason}`);
      return j && test(j) ? j : undefined;
    },
    ms,
    50,
  );
}

/** A clean full recompute after the drill's: how many grades it changes (0 when the drill's run was right). */
export async function cleanRunChanges(api: Reachable, admin: string): Promise<number> {
  const id = await startRecompute(api, admin);
  const done = await waitForJob(api, admin, id, (j) => j.state === 'completed', 'the clean recompute');
  return done.result!.changed;
}

/**
 * The repeatable schedules Bull keeps in Redis: `<queue>` → number of repeat entries. `redisEnv`
 * is the app's Redis settings: REDIS_URL (a server or redis+sentinel://), and REDIS_CLUSTER_NODES
 * or REDIS_SENTINEL_PASSWORD when it has them.
 */
export async function schedules(
  redisEnv: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string; REDIS_SENTINEL_PASSWORD?: string },
  prefix: string,
): Promise<Record<string, number>> {
  const target = loadConfig(redisEnv).redis;
  const redis = openRedis(target, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const out: Record<string, number> = {};
    for (const queue of ['recomputes', 'maintenance', 'exports'])
      out[queue] = await redis.zcard(`${bullPrefixOf(prefix)}:${queue}:repeat`);
    return out;
  } finally {
    redis.disconnect();
  }
}

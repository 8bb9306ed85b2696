import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisTarget } from '../config/app-config';
import { openRedis } from '../redis/connections';
import { bullPrefixOf } from './bull-connections';

/** How long the lock of the move lasts should its worker die mid-move. */
const LOCK_MS = 60_000;

/**
 * KEYS[1] the old name, KEYS[2] the new: renamed when the new name is free; else, when the new
 * version's api queued under the new names first, merged (a list's items after the new ones, as
 * older jobs nearer the tail Bull takes from; sets and sorted sets united; the `id` counter the
 * higher of the two, so no new job gets the id of a moved one). Anything else there under both
 * names stays where it is: 0. One script, so no command of a running api comes between.
 */
const MOVE = `
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('rename', KEYS[1], KEYS[2])
  return 1
end
local kind = redis.call('type', KEYS[1])['ok']
if kind == 'list' then
  local items = redis.call('lrange', KEYS[1], 0, -1)
  for i = 1, #items, 1000 do redis.call('rpush', KEYS[2], unpack(items, i, math.min(i + 999, #items))) end
elseif kind == 'zset' then
  redis.call('zunionstore', KEYS[2], 2, KEYS[2], KEYS[1], 'AGGREGATE', 'MIN')
elseif kind == 'set' then
  redis.call('sunionstore', KEYS[2], KEYS[2], KEYS[1])
elseif kind == 'string' and string.sub(KEYS[1], -3) == ':id' then
  local old, new = tonumber(redis.call('get', KEYS[1])) or 0, tonumber(redis.call('get', KEYS[2])) or 0
  if old > new then redis.call('set', KEYS[2], old) end
else
  return 0
end
redis.call('del', KEYS[1])
return 1`;

/**
 * ARGV: the old and new prefix of one queue (`…:bull:<queue>:`) and a job id that the new
 * version's api gave a job of its own already: the old job takes the next id of the new counter,
 * in every list and set of its queue that names it, and its hash (with its logs and lock) moves.
 */
const RENUMBER = `
local old, new, id = ARGV[1], ARGV[2], ARGV[3]
local fresh = tostring(redis.call('incr', new .. 'id'))
for _, list in ipairs({'wait', 'active', 'paused'}) do
  local at = redis.call('lpos', old .. list, id)
  if at then redis.call('lset', old .. list, at, fresh) end
end
for _, set in ipairs({'delayed', 'priority', 'completed', 'failed'}) do
  local score = redis.call('zscore', old .. set, id)
  if score then
    redis.call('zrem', old .. set, id)
    redis.call('zadd', old .. set, score, fresh)
  end
end
if redis.call('srem', old .. 'stalled', id) == 1 then redis.call('sadd', old .. 'stalled', fresh) end
for _, suffix in ipairs({'', ':logs', ':lock'}) do
  if redis.call('exists', old .. id .. suffix) == 1 then redis.call('rename', old .. id .. suffix, new .. fresh .. suffix) end
end
return fresh`;

/**
 * Moves the queues' keys from the prefix of versions before the hash tag (`<REDIS_PREFIX>:bull:…`)
 * to `{<REDIS_PREFIX>:bull}:…`, once, at a worker's start and before its queues start: else the
 * jobs waiting, delayed or active at the upgrade, and the schedules, stay under names nothing
 * reads. One worker moves under a lock (SET NX); the others wait for it. Where the new version's
 * api queued under the new names first, the two are merged (MOVE); what cannot be is logged.
 * Not on a Cluster: the old names were never used there (the app ran on a Cluster only with the tag).
 * Returns the number of keys moved by this call.
 */
export async function moveUntaggedBullKeys(
  target: RedisTarget,
  redisPrefix: string,
  logger = new Logger('Queues'),
): Promise<number> {
  if (target.mode === 'cluster') return 0;
  const redis = openRedis(target, { maxRetriesPerRequest: null }) as Redis;
  const from = `${redisPrefix}:bull:`;
  const to = `${bullPrefixOf(redisPrefix)}:`;
  const lock = `${to}untagged-keys-move`;
  const token = `${process.pid}:${Date.now()}:${Math.random()}`;
  try {
    while ((await redis.set(lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      await new Promise((resolve) => setTimeout(resolve, 200)); // another worker moves them
    }
    let moved = 0;
    const taken: string[] = [];
    const keys: string[] = [];
    // SCAN's pattern: the prefix with its glob characters escaped.
    const stream = redis.scanStream({ match: `${from.replace(/[*?[\]\\]/g, '\\$&')}*`, count: 1_000 });
    for await (const batch of stream as AsyncIterable<string[]>) keys.push(...batch);
    // The id counters first (a renumbered job takes the next id of the merged counter), then the
    // jobs whose ids the new names hold already (while the lists that name them are still old),
    // then the rest.
    const counters = keys.filter((key) => key.endsWith(':id'));
    for (const key of counters) if (await redis.eval(MOVE, 2, key, to + key.slice(from.length))) moved++;
    const rest: string[] = [];
    for (const key of keys.filter((key) => !key.endsWith(':id'))) {
      const job = /^([^:]+):([^:]+)$/.exec(key.slice(from.length));
      if (job && (await redis.type(key)) === 'hash' && (await redis.exists(to + job[0]))) {
        await redis.eval(RENUMBER, 0, `${from}${job[1]}:`, `${to}${job[1]}:`, job[2]);
        moved++;
        await redis.pexpire(lock, LOCK_MS);
      } else rest.push(key);
    }
    for (const key of rest) {
      // Gone already: a renumbered job's logs and lock moved with it.
      if (!(await redis.exists(key))) continue;
      if (await redis.eval(MOVE, 2, key, to + key.slice(from.length))) moved++;
      else taken.push(key);
      await redis.pexpire(lock, LOCK_MS);
    }
    if (moved) logger.log(`moved ${moved} key(s) of the queues from ${from}* to ${to}*`);
    if (taken.length)
      logger.warn(
        `left ${taken.length} key(s) under ${from}*, their new names taken by other values: ${taken.slice(0, 10).join(', ')}`,
      );
    return moved;
  } finally {
    // Released only if still ours (a compare-and-delete: no other command does it at once).
    await redis
      .eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end`, 1, lock, token)
      .catch(() => undefined);
    redis.disconnect();
  }
}

import type { QueueOptions } from 'bull';
import type { AppConfig, RedisTarget } from '../config/app-config';
import { openRedis, RedisClient } from '../redis/connections';

/**
 * Where the queues live in Redis: one prefix per deployment (REDIS_PREFIX), in braces, a Cluster
 * hash tag. Bull's scripts touch several keys of a queue at once (its wait list, its active list,
 * the job's hash, its lock), which a Cluster allows only within one slot; with the tag every key
 * of every queue (`{qc:bull}:<queue>:…`) hashes on `qc:bull` alone. The same keys on one server
 * or under Sentinel, so nothing is renamed when a deployment moves to a Cluster, and what reads
 * them from outside (the KEDA trigger's `{qc:bull}:<queue>:wait`) has one name to know.
 */
export const bullPrefixOf = (redisPrefix: string): string => `{${redisPrefix}:bull}`;
export const bullPrefix = (config: AppConfig): string => bullPrefixOf(config.REDIS_PREFIX);

type BullClientType = 'client' | 'subscriber' | 'bclient';

/**
 * Bull's connections (a client, an event subscriber and a blocking client per queue), opened
 * through openRedis, so a queue follows REDIS_URL's Sentinel or REDIS_CLUSTER_NODES like the rest
 * of the app (Bull's own `redis` option takes one server only). Bull closes only connections it
 * opened itself: `close()` ends these, once the queues are closed.
 */
export class BullConnections {
  private readonly opened: { type: BullClientType; client: RedisClient }[] = [];

  constructor(private readonly target: RedisTarget) {}

  /** Bull's `createClient` option. */
  readonly createClient = (type: BullClientType): RedisClient => {
    const client = openRedis(this.target, {
      // Bull's own reconnect delay grows as e^n up to 20 s, and a command waits out 20 reconnects
      // (ioredis' default): while Redis was down, a request queuing a job (a regrading after a
      // blacklist move) hung for minutes, and the workers came back up to 20 s after Redis did.
      // Reconnect within 2 s, and fail a command after 2 missed reconnects (callers treat queuing
      // as best effort, and the webhook sweep remakes its jobs from the database).
      retryStrategy: (times: number) => Math.min(times * 100, 2_000),
      // The blocking client and the subscriber wait however long (Bull refuses them otherwise).
      maxRetriesPerRequest: type === 'client' ? 2 : null,
      enableReadyCheck: false,
    });
    this.opened.push({ type, client });
    return client;
  };

  /** Queue options that connect through these connections, under the hash-tagged prefix. */
  queueOptions(config: AppConfig): Pick<QueueOptions, 'createClient' | 'prefix'> {
    return { createClient: this.createClient as QueueOptions['createClient'], prefix: bullPrefix(config) };
  }

  async close(): Promise<void> {
    const opened = this.opened.splice(0);
    await Promise.all(
      opened.map(({ type, client }) =>
        // A blocked client would answer QUIT only after its BRPOPLPUSH times out.
        type === 'bclient' ? client.disconnect() : client.quit().catch(() => client.disconnect()),
      ),
    );
  }
}

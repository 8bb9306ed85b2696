import { Injectable } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { AppConfig, RedisTarget } from '../config/app-config';

/** A connection to one server (alone or found through Sentinel) or to a Cluster: the commands the app uses are the same. */
export type RedisClient = Redis | Cluster;

/** What one connection needs besides where Redis is (ioredis's options of the same names). */
export interface ConnectionOptions {
  keyPrefix?: string;
  /** A command fails after this many reconnections; null: it waits for Redis however long (blocking and subscribing connections). */
  maxRetriesPerRequest?: number | null;
  /** The delay before reconnection number `times`; null gives up. On a Cluster, its reconnection to the seeds. */
  retryStrategy?: (times: number) => number | null;
  enableReadyCheck?: boolean;
  enableOfflineQueue?: boolean;
  autoResubscribe?: boolean;
  lazyConnect?: boolean;
}

/**
 * Opens a connection to the app's Redis, whatever form REDIS_URL and REDIS_CLUSTER_NODES give it:
 * every connection the app makes (the shared client, the announcement subscribers, Bull's three
 * per queue, the worker's wait for Redis, the seed's queue) is opened here, so none can connect
 * to a lone server while the deployment runs on a Cluster or Sentinel.
 *
 * Sentinel: ioredis asks the sentinels for the master, and `failoverDetector` has it listen for
 * their `+switch-master` and reconnect at once; a command that meets a demoted master (READONLY,
 * before Sentinel has cut its clients off) reconnects and is sent again to the new one.
 *
 * Cluster: ioredis follows MOVED and ASK redirections and refreshes the slot map; the options
 * that concern each node's connection go in `redisOptions` (where Bull also looks for them).
 */
export function openRedis(target: RedisTarget, options: ConnectionOptions = {}): RedisClient {
  switch (target.mode) {
    case 'standalone':
      return new Redis(target.url, options);
    case 'sentinel': {
      const redis = new Redis({
        ...options,
        sentinels: target.sentinels,
        name: target.name,
        username: target.username,
        password: target.password,
        failoverDetector: true,
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      });
      // After QUIT, ioredis (5.11) ends the connection without its connector's disconnect, which
      // alone closes the failover detector's connections to the sentinels: they stayed open (and
      // kept the process alive) after the client was closed. disconnect() once ended closes them.
      redis.once('end', () => redis.disconnect());
      return redis;
    }
    case 'cluster': {
      const { keyPrefix, retryStrategy, maxRetriesPerRequest, enableReadyCheck, ...cluster } = options;
      return new Cluster(target.nodes, {
        ...cluster,
        keyPrefix,
        enableReadyCheck,
        clusterRetryStrategy: retryStrategy,
        redisOptions: {
          username: target.username,
          password: target.password,
          tls: target.tls ? {} : undefined,
          maxRetriesPerRequest,
          enableReadyCheck,
        },
      });
    }
  }
}

/** The connection factory for what Nest builds (RedisModule's shared client, the announced caches' subscribers). */
@Injectable()
export class RedisConnections {
  readonly target: RedisTarget;

  constructor(config: AppConfig) {
    this.target = config.redis;
  }

  open(options: ConnectionOptions = {}): RedisClient {
    return openRedis(this.target, options);
  }

  /**
   * A connection for SUBSCRIBE, without a key prefix (channels are not prefixed) and without
   * ioredis's own resubscription (see AnnouncedCache.start).
   */
  subscriber(): RedisClient {
    return this.open({ autoResubscribe: false });
  }
}

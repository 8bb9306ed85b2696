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
        sentinelPassword: target.sentinelPassword,
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
  /** On a Cluster, the seed node the next subscriber connects to (from a random one, to spread the replicas). */
  private nextSeed: number;

  constructor(config: AppConfig) {
    this.target = config.redis;
    this.nextSeed = this.target.mode === 'cluster' ? Math.floor(Math.random() * this.target.nodes.length) : 0;
  }

  open(options: ConnectionOptions = {}): RedisClient {
    return openRedis(this.target, options);
  }

  /**
   * A connection for SUBSCRIBE, without a key prefix (channels are not prefixed) and without
   * ioredis's own resubscription (see AnnouncedCache.start). It emits 'close' whenever the
   * subscription is lost, and 'end' when it gives up: the caller then opens another.
   *
   * On a Cluster, a plain connection to one seed node, the next one each time: PUBLISH reaches
   * every node of a Cluster, so any node will do. ioredis's Cluster subscribes on a connection of
   * its own that, when its node dies, moves to another node without a word to the Cluster's
   * listeners: messages sent meanwhile were lost while the cache kept what they would have dropped.
   * After a few failed reconnections to its node (gone, or failed over and down) it ends.
   */
  subscriber(): RedisClient {
    const target = this.target;
    if (target.mode !== 'cluster') return this.open({ autoResubscribe: false });
    const seed = target.nodes[this.nextSeed++ % target.nodes.length];
    return new Redis({
      host: seed.host,
      port: seed.port,
      username: target.username,
      password: target.password,
      tls: target.tls ? {} : undefined,
      autoResubscribe: false,
      retryStrategy: (times: number) => (times > 2 ? null : times * 200),
    });
  }
}

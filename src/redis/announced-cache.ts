import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { RedisClient, RedisConnections } from './connections';

/**
 * A per-process cache of credential lookups (an API key, a user's standing) that every replica
 * drops at once when one of them announces a change on a Redis channel: a revoked key or a
 * disabled user fails on the next request, wherever it lands.
 *
 * Concurrent requests for one uncached id share one lookup (else, when a busy entry expires,
 * each request in flight would query at once and hold up the pool). A lookup that began before
 * an announcement does not cache its answer. Messages sent while a replica is disconnected are
 * lost, so while its subscription is down it neither keeps nor uses anything (every get reads
 * the database) and it starts afresh once subscribed again; the TTL bounds staleness should a
 * message be lost otherwise. Written by hand: lru-cache's `fetch` rejects everyone waiting
 * when an entry is deleted mid-lookup, and no library ties a cache to a Redis channel.
 */
export class AnnouncedCache<V extends object> {
  private readonly cache: LRUCache<string, V | false>;
  private readonly lookups = new Map<string, Promise<V | false>>();
  /** Announcements and clears so far: a lookup that began before one does not cache its result. */
  private forgotten = 0;
  private subscriber?: RedisClient;
  /** Subscribed now, so an announcement would reach this replica: only then is the cache used. */
  private listening = false;
  /** Resolves start() at the first subscription. */
  private subscribed?: () => void;
  private stopped = false;

  constructor(
    private readonly redis: RedisClient,
    /** Opens the subscribing connection (its own: a subscribed connection takes no other command). */
    private readonly connections: Pick<RedisConnections, 'subscriber'>,
    private readonly channel: string,
    /** The value for an id from the database; false when it is unknown or no longer valid. */
    private readonly lookUp: (id: string) => Promise<V | false>,
    private readonly logger: Logger,
    options: { max: number; ttlMs: number },
  ) {
    this.cache = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  /** Subscribes; resolves once subscribed the first time (until then every get reads the database). */
  async start(): Promise<void> {
    const subscribed = new Promise<void>((resolve) => (this.subscribed = resolve));
    this.open();
    await subscribed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const subscriber = this.subscriber;
    // QUIT would wait for a connection that is not there.
    if (subscriber?.status === 'ready') await subscriber.quit().catch(() => subscriber.disconnect());
    else subscriber?.disconnect();
  }
  /** The value for `id`, from the cache or one shared lookup; false when there is none. */
  async get(id: string): Promise<V | false> {
    if (!this.listening) return this.lookUp(id);
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    let lookup = this.lookups.get(id);
    if (!lookup) {
      lookup = this.load(id).finally(() => {
        if (this.lookups.get(id) === lookup) this.lookups.delete(id);
      });
      this.lookups.set(id, lookup);
    }
    return lookup;
  }

  /** After a committed change to `ids` (`what` names it in the log): this replica and every other forget them, in one round trip. */
  async announce(ids: readonly string[], what: string): Promise<void> {
    if (!ids.length) return;
    for (const id of ids) this.forget(id);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.publish(this.channel, id);
    // exec answers [error, result] pairs; a lost connection rejects the whole pipeline.
    const failed = await pipeline.exec().then(
      (results) => results?.find(([error]) => error)?.[0] ?? null,
      (error: Error) => error,
    );
    if (failed) {
      this.logger.error(
        `could not announce ${what}; other replicas notice within ${this.cache.ttl / 1000} s: ${failed.message}`,
      );
    }
  }

  /**
   * A subscribing connection (`connections.subscriber`), subscribed on each 'ready' by hand:
   * ioredis's own resubscription is not awaited before it reports 'ready', and until it is,
   * announcements are still being missed. When it ends (on a Cluster, its node is gone) the next
   * one is opened (on a Cluster, on the next seed node).
   */
  private open(): void {
    const subscriber = this.connections.subscriber();
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, id: string) => this.forget(id));
    subscriber.on('ready', () => {
      subscriber.subscribe(this.channel).then(
        () => {
          if (this.subscriber === subscriber) this.listen();
        },
        (error: Error) => this.logger.warn(`${this.channel}: could not subscribe: ${error.message}`),
      );
    });
    subscriber.on('close', () => this.deaf());
    subscriber.on('end', () => {
      this.deaf();
      if (!this.stopped && this.subscriber === subscriber) this.open();
    });
    subscriber.on('error', (error: Error) => this.logger.warn(`${this.channel}: ${error.message}`));
  }

  /** Subscribed (again): entries from before may have missed announcements, so none are kept. */
  private listen(): void {
    this.forget();
    this.listening = true;
    this.subscribed?.();
    this.subscribed = undefined;
  }

  /** The subscription is down: what is cached may miss announcements from now on. */
  private deaf(): void {
    this.listening = false;
    this.forget();
  }

  private async load(id: string): Promise<V | false> {
    const forgotten = this.forgotten;
    const value = await this.lookUp(id);
    if (forgotten === this.forgotten) this.cache.set(id, value);
    return value;
  }

  /** Drops one id (or every id) from the cache, and keeps lookups under way from caching theirs. */
  private forget(id?: string): void {
    this.forgotten++;
    if (id === undefined) {
      this.cache.clear();
      this.lookups.clear();
    } else {
      this.cache.delete(id);
      this.lookups.delete(id);
    }
  }
}

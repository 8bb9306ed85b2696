import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisClient, RedisConnections } from './connections';
import { RateLimiter } from './rate-limiter';
import { REDIS } from './redis.token';

/** Closes the shared client after everything that uses it has stopped. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * One shared ioredis connection for caches, rate limits (RateLimiter) and health checks, to one
 * server, a Sentinel-watched master or a Cluster (RedisConnections). Keys are written under
 * `REDIS_PREFIX`; Bull opens its own connections through the same factory (see JobsModule).
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig, RedisConnections],
      useFactory: (config: AppConfig, connections: RedisConnections) => {
        const redis = connections.open({
          keyPrefix: `${config.REDIS_PREFIX}:`,
          maxRetriesPerRequest: 2,
          enableOfflineQueue: true,
        });
        // Its commands fail while Redis is down (each caller copes); the lost connection is logged once, not per retry.
        const logger = new Logger('Redis');
        let down = false;
        redis.on('error', (error: Error) => {
          if (!down) logger.warn(`connection lost, reconnecting: ${error.message}`);
          down = true;
        });
        redis.on('ready', () => {
          if (down) logger.log('connection back');
          down = false;
        });
        return redis;
      },
    },
    RedisConnections,
    RedisCloser,
    RateLimiter,
  ],
  exports: [REDIS, RedisConnections, RateLimiter],
})
export class RedisModule {}

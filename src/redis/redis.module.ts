import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { RateLimiter } from './rate-limiter';
import { REDIS } from './redis.token';

/** Closes the shared client after everything that uses it has stopped. */
@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * One shared ioredis connection for caches, rate limits (RateLimiter) and health checks. Keys are written
 * under `REDIS_PREFIX`; Bull opens its own connections (see JobsModule).
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const redis = new Redis(config.REDIS_URL, {
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
    RedisCloser,
    RateLimiter,
  ],
  exports: [REDIS, RateLimiter],
})
export class RedisModule {}

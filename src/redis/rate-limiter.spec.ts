import Redis from 'ioredis';
import { Problem } from '../common/problem';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('answers 503 with Retry-After, not a crash, when Redis cannot be reached', async () => {
    // Port 1 refuses connections; no retries, so the command fails at once. No grace period on
    // disconnect either (ioredis waits 2 s by default, which keeps the test worker from exiting).
    const redis = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      disconnectTimeout: 0,
    });
    redis.on('error', () => undefined); // the refused connection, expected
    try {
      const error = await new RateLimiter(redis)
        .hit('ip:203.0.113.9', 10, 60_000, { en: 'Client', zh: '客户端' })
        .catch((e) => e);
      expect(error).toBeInstanceOf(Problem);
      expect(error).toMatchObject({ status: 503, extensions: { retryAfter: 5 } });
    } finally {
      redis.disconnect();
    }
  });
});

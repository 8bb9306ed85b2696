import { Logger } from '@nestjs/common';
import type { RedisTarget } from '../config/app-config';
import { openRedis } from '../redis/connections';

/** How long between two attempts, at most (ioredis' retry delay grows to it). */
const MAX_RETRY_MS = 2_000;

/**
 * Resolves once the app's Redis (`target`: a server, a Sentinel-watched master or a Cluster) answers, trying again (with a log line each time) until it does.
 *
 * A worker must not start its processors before: Bull's `queue.process()` fails when Redis is
 * out of reach, and @nestjs/bull drops that promise, so the worker either died of the unhandled
 * rejection or went on without processing anything and without its schedules after Redis came
 * back. Once running, a worker outlives an outage (Bull reconnects, QueueUpkeep redoes its tasks).
 */
export async function waitForRedis(target: RedisTarget, logger = new Logger('Redis')): Promise<void> {
  const client = openRedis(target, {
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, MAX_RETRY_MS),
  });
  let failures = 0;
  client.on('error', (error: Error) => {
    failures++;
    logger.warn(`Redis does not answer yet (attempt ${failures}), the worker waits for it: ${error.message}`);
  });
  try {
    await client.ping(); // queued until the connection is ready, however many reconnections that takes
    if (failures) logger.log(`Redis answers after ${failures} failed attempt(s)`);
  } finally {
    client.disconnect();
  }
}

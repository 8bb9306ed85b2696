import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { JobFailures } from './job-failures';
import { JobHandlersCheck } from './job-handlers-check';
import { JobsLookup } from './jobs-lookup';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { QueueUpkeep } from './queue-upkeep';
import { RecomputeRequests } from './recompute-requests';
import { RegradeRequestsRepository } from './regrade-requests.repository';

const queues = Object.values(QueueName).map((name) => ({ name }));

/** Where the queues live in Redis: one prefix per deployment (REDIS_PREFIX). */
export const bullPrefix = (config: AppConfig): string => `${config.REDIS_PREFIX}:bull`;

/**
 * Bull's lock settings that give a dead worker's jobs to another worker within `jobLockMs`, with
 * a quarter of it to spare (a loaded host's lag). A stalled check moves a job back to the queue
 * when it finds it without a lock after an earlier check marked it (each renewal unmarks it);
 * checks come every `stalledInterval` or, when one falls just before the previous one's guard
 * key expires, two apart. So a job is retaken at most a lock duration and two intervals after
 * its last renewal: 1/2 + 2/8 = 3/4 of `jobLockMs`. A live worker renews its lock four times
 * per lock duration, so it keeps its jobs through an event loop blocked for 3/8 of `jobLockMs`
 * (over 11 s at the default 30 s).
 */
export function lockSettings(jobLockMs: number) {
  const lockDuration = Math.round(jobLockMs / 2);
  return {
    lockDuration,
    lockRenewTime: Math.round(lockDuration / 4),
    stalledInterval: Math.round(jobLockMs / 8),
    maxStalledCount: 2,
  };
}

/**
 * The queues, available to both roles: the api role adds jobs, the worker role also
 * processes them (its processors are declared in WorkerModule only).
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        url: config.REDIS_URL,
        // Bull's own reconnect delay grows as e^n up to 20 s, and a command waits out 20 reconnects
        // (ioredis' default): while Redis was down, a request queuing a job (a regrading after a
        // blacklist move) hung for minutes, and the workers came back up to 20 s after Redis did.
        // Reconnect within 2 s, and fail a command after 2 missed reconnects (callers treat queuing
        // as best effort, and the webhook sweep remakes its jobs from the database).
        redis: { retryStrategy: (times: number) => Math.min(times * 100, 2_000), maxRetriesPerRequest: 2 },
        prefix: bullPrefix(config),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        settings: lockSettings(config.JOB_LOCK_MS),
      }),
    }),
    BullModule.registerQueue(...queues),
    DiscoveryModule,
  ],
  providers: [JobHandlersCheck, RecomputeRequests, RegradeRequestsRepository, JobFailures, QueueUpkeep, JobsLookup],
  exports: [BullModule, RecomputeRequests, JobFailures, QueueUpkeep, JobsLookup],
})
export class JobsModule {}

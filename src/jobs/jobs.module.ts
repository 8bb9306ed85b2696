import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JobFailures } from './job-failures';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { RecomputeRequests } from './recompute-requests';

const queues = Object.values(QueueName).map((name) => ({ name }));

/** Where the queues live in Redis: one prefix per deployment (REDIS_PREFIX). */
export const bullPrefix = (config: AppConfig): string => `${config.REDIS_PREFIX}:bull`;

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
        // A dead worker's jobs go back to the queue once their lock lapses.
        settings: { lockDuration: config.JOB_LOCK_MS, stalledInterval: config.JOB_LOCK_MS, maxStalledCount: 2 },
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  providers: [RecomputeRequests, JobFailures],
  exports: [BullModule, RecomputeRequests, JobFailures],
})
export class JobsModule {}

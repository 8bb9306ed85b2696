import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { RecomputeRequests } from './recompute-requests';

const queues = Object.values(QueueName).map((name) => ({ name }));

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
        prefix: `${config.REDIS_PREFIX}:bull`,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        // A dead worker's jobs go back to the queue once their lock lapses.
        settings: { lockDuration: config.JOB_LOCK_MS, stalledInterval: config.JOB_LOCK_MS, maxStalledCount: 2 },
      }),
    }),
    BullModule.registerQueue(...queues),
  ],
  providers: [RecomputeRequests],
  exports: [BullModule, RecomputeRequests],
})
export class JobsModule {}

import { BullModule, getQueueToken } from '@nestjs/bull';
import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { BullConnections } from './bull-connections';
import { JobFailures } from './job-failures';
import { JobHandlersCheck } from './job-handlers-check';
import { JobsLookup } from './jobs-lookup';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { QueueUpkeep } from './queue-upkeep';
import { RecomputeRequests } from './recompute-requests';
import { RegradeRequestsRepository } from './regrade-requests.repository';

const QUEUES = Object.values(QueueName).map((name) => ({ name }));

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

/** This process's BullConnections, for BullModule's options and for closing them. */
@Module({
  providers: [
    { provide: BullConnections, inject: [AppConfig], useFactory: (c: AppConfig) => new BullConnections(c.redis) },
  ],
  exports: [BullConnections],
})
class BullConnectionsModule {}

/** Ends Bull's connections at shutdown, after the queues (each also closes itself then; closing again waits for that). */
@Injectable()
class BullConnectionsCloser implements OnApplicationShutdown {
  constructor(
    private readonly connections: BullConnections,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    const queues = QUEUES.map(({ name }) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    await Promise.all(queues.map((queue) => queue.close()));
    await this.connections.close();
  }
}

/**
 * The queues, available to both roles: the api role adds jobs, the worker role also
 * processes them (its processors are declared in WorkerModule only).
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionsModule],
      inject: [AppConfig, BullConnections],
      useFactory: (config: AppConfig, connections: BullConnections) => ({
        ...connections.queueOptions(config),
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        settings: lockSettings(config.JOB_LOCK_MS),
      }),
    }),
    BullModule.registerQueue(...QUEUES),
    DiscoveryModule,
    BullConnectionsModule,
  ],
  providers: [
    BullConnectionsCloser,
    JobHandlersCheck,
    RecomputeRequests,
    RegradeRequestsRepository,
    JobFailures,
    QueueUpkeep,
    JobsLookup,
  ],
  exports: [BullModule, RecomputeRequests, JobFailures, QueueUpkeep, JobsLookup],
})
export class JobsModule {}

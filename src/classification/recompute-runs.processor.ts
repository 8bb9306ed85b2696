import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobFailures } from '../jobs/job-failures';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { keepSchedule } from '../jobs/schedules';
import { RecomputeAll, RecomputeAllData } from './recompute-all';

/**
 * Worker side of the full recomputes, in a queue of their own: Bull hands any job of a queue to
 * any of its processing slots, so runs sharing the classification queue with their chunks took
 * every slot of a worker (four runs asked at once) and waited for ever on chunks nobody could run.
 */
@Processor(QueueName.Recomputes)
export class RecomputeRunsProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly all: RecomputeAll,
    private readonly upkeep: QueueUpkeep,
    private readonly failures: JobFailures,
    @InjectQueue(QueueName.Recomputes) private readonly queue: Queue,
  ) {}

  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Recomputes, async ({ job, error }) => {
      if (job) await this.all.failed(String(job.id), error.message);
    });
  }

  /** The nightly schedule and the runs Redis may have lost: kept at start, when Redis is back and every half minute. */
  async onApplicationBootstrap(): Promise<void> {
    await keepSchedule(this.upkeep, this.queue, this.all.nightlySchedule());
    await this.upkeep.keep(this.queue, 'resuming recomputes lost from the queue', () => this.all.resumeLost());
  }

  // One run at a time per worker: its chunks are the work, done by every worker.
  @Process({ name: JobName.RecomputeAll, concurrency: 1 })
  recomputeAll(job: Job<RecomputeAllData>) {
    return this.all.run(job);
  }
}

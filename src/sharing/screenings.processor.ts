import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobFailures } from '../jobs/job-failures';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { ScreeningsService } from './screenings.service';

/**
 * Worker side of batch screenings (批量筛查): one screening at a time per worker process. A worker
 * that dies mid-way loses its job to another within JOB_LOCK_MS (Bull's stalled-job check); a job
 * Redis lost is queued again from the database, at start, whenever Redis is back, and at each
 * upkeep check (QueueUpkeep), which also deletes the screenings past their retention.
 */
@Processor(QueueName.Screenings)
export class ScreeningsProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ScreeningsProcessor.name);
  /** The screenings this process is screening: their job is not queued again while they run. */
  private readonly running = new Set<string>();

  constructor(
    private readonly screenings: ScreeningsService,
    private readonly failures: JobFailures,
    private readonly upkeep: QueueUpkeep,
    @InjectQueue(QueueName.Screenings) private readonly queue: Queue,
  ) {}

  /** A screening whose job fails for good ends `failed`, so its page does not wait for ever. */
  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Screenings, async ({ job }) => {
      if (job) await this.screenings.fail(String(job.data?.screeningId ?? job.id));
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.upkeep.keep(this.queue, 'requeuing unfinished screenings', async () => {
      const { failed, requeued } = await this.screenings.sweep(this.running);
      if (failed || requeued)
        this.logger.warn(`ended ${failed} screening(s) whose job had failed, requeued ${requeued}`);
      const deleted = await this.screenings.deleteExpired();
      if (deleted) this.logger.log(`deleted ${deleted} screening(s) past their retention`);
    });
  }

  @Process(JobName.ScreenCodes)
  async screen(job: Job<{ screeningId: string }>): Promise<void> {
    const id = job.data.screeningId;
    this.running.add(id);
    try {
      // Progress is best-effort: the screening's row in the database is the record of it.
      await this.screenings.run(id, (screened, total) => {
        void job.progress(Math.floor((100 * screened) / total)).catch(() => undefined);
      });
    } finally {
      this.running.delete(id);
    }
  }
}

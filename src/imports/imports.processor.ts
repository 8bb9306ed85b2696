import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { JobFailures } from '../jobs/job-failures';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { ImportJob } from './import-job';
import { ImportsService } from './imports.service';

/** Worker side of imports: one import at a time per worker process. */
@Processor(QueueName.Imports)
export class ImportsProcessor implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImportsProcessor.name);
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly imports: ImportsService,
    private readonly job: ImportJob,
    private readonly failures: JobFailures,
    private readonly config: AppConfig,
    private readonly upkeep: QueueUpkeep,
    @InjectQueue(QueueName.Imports) private readonly queue: Queue,
  ) {}

  /** An import whose job fails for good ends `failed`, so its uploader is not left waiting. */
  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Imports, async ({ job, error }) => {
      if (job) await this.imports.fail(String(job.data?.importId ?? job.id), error);
    });
  }

  /**
   * Redis may have lost queued jobs (it keeps nothing on disk): the database knows what is
   * unfinished, and every unfinished import is queued again at start and whenever Redis is back
   * (a job already queued under the import's id is not queued twice). Then, every
   * IMPORT_SWEEP_MS, imports whose job failed for good without its failure being recorded are
   * ended, and queued ones whose job is gone queued again.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.upkeep.keep(this.queue, 'requeuing unfinished imports', async (occasion) => {
      // The periodic check is the sweep's (a running import's job must not be queued again while it runs).
      if (occasion === 'check') return;
      const requeued = await this.imports.requeueUnfinished();
      if (requeued) this.logger.log(`requeued ${requeued} unfinished import(s)`);
    });
    this.sweeper = setInterval(() => void this.sweep(), this.config.IMPORT_SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return; // one at a time: a slow database may make a sweep outlast the interval
    this.sweeping = true;
    try {
      const { failed, requeued } = await this.imports.sweep();
      if (failed || requeued)
        this.logger.warn(`sweep: ended ${failed} import(s) whose job had failed, requeued ${requeued}`);
    } catch (error) {
      // The database or Redis is out of reach: the next sweep tries again.
      this.logger.warn(
        `import sweep failed, retrying in ${this.config.IMPORT_SWEEP_MS} ms: ${(error as Error).message}`,
      );
    } finally {
      this.sweeping = false;
    }
  }

  @Process(JobName.ImportFile)
  async importFile(job: Job<{ importId: string }>): Promise<void> {
    // Progress is best-effort: the import row in the database is the record of it.
    const progress = (done: number, total: number | null) =>
      void job.progress(total ? Math.floor((100 * done) / total) : 0).catch(() => undefined);
    await this.job.run(job.data.importId, progress);
  }
}

import { Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import { AppConfig } from '../config/app-config';
import { JobFailures } from '../jobs/job-failures';
import { JobName, QueueName } from '../jobs/queues';
import { ImportsService } from './imports.service';

/** Worker side of imports: one import at a time per worker process. */
@Processor(QueueName.Imports)
export class ImportsProcessor implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ImportsProcessor.name);
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly imports: ImportsService,
    private readonly failures: JobFailures,
    private readonly config: AppConfig,
  ) {}

  /** An import whose job fails for good ends `failed`, so its uploader is not left waiting. */
  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Imports, async ({ job, error }) => {
      if (job) await this.imports.fail(String(job.data?.importId ?? job.id), error);
    });
  }

  /**
   * Redis may have lost queued jobs (it keeps nothing on disk): the database knows what is
   * unfinished. Then, every IMPORT_SWEEP_MS, imports whose job failed for good without its failure
   * being recorded are ended.
   */
  async onApplicationBootstrap(): Promise<void> {
    const requeued = await this.imports.requeueUnfinished();
    if (requeued) this.logger.log(`requeued ${requeued} unfinished import(s)`);
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
    await this.imports.run(job.data.importId, progress);
  }
}

import { Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import { JobFailures } from '../jobs/job-failures';
import { JobName, QueueName } from '../jobs/queues';
import { ImportsService } from './imports.service';

/** Worker side of imports: one import at a time per worker process. */
@Processor(QueueName.Imports)
export class ImportsProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ImportsProcessor.name);

  constructor(
    private readonly imports: ImportsService,
    private readonly failures: JobFailures,
  ) {}

  /** An import whose job fails for good ends `failed`, so its uploader is not left waiting. */
  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Imports, async ({ job, error }) => {
      if (job) await this.imports.fail(String(job.data?.importId ?? job.id), error);
    });
  }

  /** Redis may have lost queued jobs (it keeps nothing on disk): the database knows what is unfinished. */
  async onApplicationBootstrap(): Promise<void> {
    const requeued = await this.imports.requeueUnfinished();
    if (requeued) this.logger.log(`requeued ${requeued} unfinished import(s)`);
  }

  @Process(JobName.ImportFile)
  async importFile(job: Job<{ importId: string }>): Promise<void> {
    // Progress is best-effort: the import row in the database is the record of it.
    const progress = (done: number, total: number | null) =>
      void job.progress(total ? Math.floor((100 * done) / total) : 0).catch(() => undefined);
    await this.imports.run(job.data.importId, progress);
  }
}

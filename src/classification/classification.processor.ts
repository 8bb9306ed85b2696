import { Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bull';
import { JobName, QueueName } from '../jobs/queues';
import { ClassificationService, RecomputeScope } from './classification.service';
import { RecomputeAll, RecomputeAllData } from './recompute-all';

/** Worker side of classification: recomputes the enterprises a job names. */
@Processor(QueueName.Classification)
export class ClassificationProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly classification: ClassificationService,
    private readonly all: RecomputeAll,
  ) {}

  // Chunks run two at a time per worker, beside the one run that hands them out.
  @Process({ name: JobName.RecomputeEnterprises, concurrency: 2 })
  recomputeEnterprises(job: Job<RecomputeScope>) {
    return this.classification.recompute(job.data);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.all.scheduleNightly();
  }

  @Process(JobName.DryRun)
  dryRun(job: Job<{ version: number; startedBy: string | null }>) {
    return this.classification.dryRun(job.data.version, (p) => void job.progress(p).catch(() => undefined));
  }

  @Process(JobName.RecomputeAll)
  recomputeAll(job: Job<RecomputeAllData>) {
    return this.all.run(job);
  }
}

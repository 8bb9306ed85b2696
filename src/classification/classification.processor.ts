import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { JobName, QueueName } from '../jobs/queues';
import { ClassificationService } from './classification.service';
import { RecomputeAll, RecomputeAllData } from './recompute-all';

/** Worker side of classification: recomputes the enterprises a job names. */
@Processor(QueueName.Classification)
export class ClassificationProcessor {
  constructor(
    private readonly classification: ClassificationService,
    private readonly all: RecomputeAll,
  ) {}

  // Chunks run two at a time per worker, beside the one run that hands them out.
  @Process({ name: JobName.RecomputeEnterprises, concurrency: 2 })
  recomputeEnterprises(job: Job<{ enterpriseIds: string[] }>) {
    return this.classification.recompute(job.data.enterpriseIds);
  }

  @Process(JobName.RecomputeAll)
  recomputeAll(job: Job<RecomputeAllData>) {
    return this.all.run(job);
  }
}

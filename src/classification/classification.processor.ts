import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { JobName, QueueName } from '../jobs/queues';
import { ClassificationService } from './classification.service';

/** Worker side of classification: recomputes the enterprises a job names. */
@Processor(QueueName.Classification)
export class ClassificationProcessor {
  constructor(private readonly classification: ClassificationService) {}

  @Process(JobName.RecomputeEnterprises)
  recomputeEnterprises(job: Job<{ enterpriseIds: string[] }>) {
    return this.classification.recompute(job.data.enterpriseIds);
  }
}

import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { JobFailures } from '../jobs/job-failures';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { ClassificationService, RecomputeScope } from './classification.service';
import { RecomputeAll, RecomputeAllData, RecomputeChunk } from './recompute-all';

/** Worker side of classification: recomputes the enterprises a job names. */
@Processor(QueueName.Classification)
export class ClassificationProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly classification: ClassificationService,
    private readonly all: RecomputeAll,
    private readonly requests: RecomputeRequests,
    private readonly upkeep: QueueUpkeep,
    private readonly failures: JobFailures,
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
  ) {}

  // Chunks run two at a time per worker, beside the one run that hands them out.
  @Process({ name: JobName.RecomputeEnterprises, concurrency: 2 })
  async recomputeEnterprises(job: Job<RecomputeScope | RecomputeChunk>) {
    const data = job.data;
    if ('enterpriseIds' in data)
      return this.requests.answer(data.enterpriseIds, () => this.classification.recompute(data));
    const result = await this.classification.recompute({ fromId: data.fromId, toId: data.toId });
    if ('runId' in data) await this.all.chunkFinished(data, result);
    return result;
  }

  onModuleInit(): void {
    this.failures.onFinalFailure(QueueName.Classification, async ({ job, error }) => {
      if (job?.name === JobName.RecomputeAll) await this.all.failed(String(job.id), error.message);
    });
  }

  /**
   * The nightly schedule, the runs and the regradings Redis may have lost: kept at start, when
   * Redis is back (all unanswered regradings then) and every half minute (those long unanswered).
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.upkeep.keep(this.queue, 'the nightly recompute schedule', () => this.all.scheduleNightly());
    await this.upkeep.keep(this.queue, 'resuming recomputes lost from the queue', () => this.all.resumeLost());
    await this.upkeep.keep(this.queue, 'queuing regradings asked before', (occasion) =>
      this.requests.requeueUnanswered(occasion === 'check' ? undefined : 0),
    );
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

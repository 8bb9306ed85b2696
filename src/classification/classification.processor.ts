import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { QueueUpkeep } from '../jobs/queue-upkeep';
import { JobName, QueueName } from '../jobs/queues';
import { RecomputeRequests } from '../jobs/recompute-requests';
import { ClassificationService, RecomputeScope } from './classification.service';
import { RecomputeAll, RecomputeChunk } from './recompute-all';
import { RuleSetDryRun } from './rule-set-dry-run';

/**
 * Worker side of classification: recomputes the enterprises a job names (a regrading, or a chunk
 * of a full recompute, whose run is RecomputeRunsProcessor's), and dry runs.
 */
@Processor(QueueName.Classification)
export class ClassificationProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClassificationProcessor.name);

  constructor(
    private readonly classification: ClassificationService,
    private readonly all: RecomputeAll,
    private readonly dryRuns: RuleSetDryRun,
    private readonly requests: RecomputeRequests,
    private readonly upkeep: QueueUpkeep,
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
  ) {}

  // Chunks and regradings run two at a time per worker (beside a dry run: Bull lets any job take any of the three).
  @Process({ name: JobName.RecomputeEnterprises, concurrency: 2 })
  async recomputeEnterprises(job: Job<RecomputeScope | RecomputeChunk>) {
    const data = job.data;
    if ('enterpriseIds' in data)
      return this.requests.answer(data.enterpriseIds, () => this.classification.recompute(data));
    const result = await this.classification.recompute({ fromId: data.fromId, toId: data.toId });
    if ('runId' in data) {
      await this.all.chunkFinished(data, result);
      // which worker graded which part of a run: how an operator (and the topology's drill) sees the chunks spread
      this.logger.log(
        `graded chunk ${data.fromId}-${data.toId} of run ${data.runId}: ${result.enterprises} enterprises, ${result.changed} changed`,
      );
    }
    return result;
  }

  /**
   * The regradings Redis may have lost: queued again at start, when Redis is back (all unanswered
   * ones then) and every half minute (those long unanswered).
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.upkeep.keep(this.queue, 'queuing regradings asked before', (occasion) =>
      this.requests.requeueUnanswered(occasion === 'check' ? undefined : 0),
    );
  }

  @Process(JobName.DryRun)
  dryRun(job: Job<{ version: number; startedBy: string | null }>) {
    return this.dryRuns.run(job.data.version, (p) => void job.progress(p).catch(() => undefined));
  }
}

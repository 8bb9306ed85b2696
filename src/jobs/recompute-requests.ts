import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { Clock } from '../common/clock';
import { JobName, QueueName } from './queues';

const WINDOW_MS = 500;
const IDS_PER_JOB = 1_000;

/**
 * Asks for enterprises' grades to be recomputed after a change (a record, a correction, an
 * import). Requests for one enterprise within the same half second become one job, which runs
 * once that window has closed, so it sees every change committed in it.
 */
@Injectable()
export class RecomputeRequests {
  private readonly logger = new Logger(RecomputeRequests.name);

  constructor(
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
    private readonly clock: Clock,
  ) {}

  /**
   * Best effort: the change that asks has already committed, so a Redis outage must not turn
   * it into an error; the nightly full recompute regrades whatever was missed.
   */
  async request(enterpriseIds: string[]): Promise<void> {
    if (!enterpriseIds.length) return;
    const now = this.clock.now().getTime();
    const window = Math.floor(now / WINDOW_MS);
    const delay = (window + 1) * WINDOW_MS - now + 20;
    const ids = [...new Set(enterpriseIds)].sort();
    const jobs = [];
    for (let i = 0; i < ids.length; i += IDS_PER_JOB) {
      const batch = ids.slice(i, i + IDS_PER_JOB);
      const key = batch.length === 1 ? batch[0] : `${batch[0]}-${batch[batch.length - 1]}-${batch.length}`;
      jobs.push({
        name: JobName.RecomputeEnterprises,
        data: { enterpriseIds: batch },
        // Completed jobs are not kept, so the id never blocks a later request.
        opts: { jobId: `recompute:${key}:${window}`, delay, removeOnComplete: true },
      });
    }
    await this.queue.addBulk(jobs).catch((error: Error) => {
      this.logger.warn(
        `could not queue the regrading of ${ids.length} enterprise(s); the nightly recompute will: ${error.message}`,
      );
    });
  }
}

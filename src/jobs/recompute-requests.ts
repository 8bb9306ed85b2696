import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { JobName, QueueName } from './queues';
import { RegradeRequestsRepository } from './regrade-requests.repository';

const WINDOW_MS = 500;
const IDS_PER_JOB = 1_000;
/** A request older than this without its regrading is taken for lost by the periodic check. */
const LOST_AFTER_SECONDS = 60;
/** Requests queued again per check, at most. */
const REQUEUED_PER_CHECK = 10_000;

/**
 * Asks for enterprises' grades to be recomputed after a change (a record, a correction, an
 * import). Requests for one enterprise within the same half second become one job, which runs
 * once that window has closed, so it sees every change committed in it.
 *
 * A request is written to `regrade_requests` in the transaction of the change that asks
 * (`note`), so it commits with it or not at all, and is deleted by the regrading that answers it;
 * its job is queued after the commit (`dispatch`). A request whose job could not be queued, or was
 * lost with Redis, is found again there (`requeueUnanswered`) instead of waiting for the nightly
 * full recompute.
 */
@Injectable()
export class RecomputeRequests {
  private readonly logger = new Logger(RecomputeRequests.name);

  constructor(
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
    private readonly requests: RegradeRequestsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Records, in the transaction of the change that asks (`manager`'s), that `enterpriseIds` need
   * regrading. A later request for a pending enterprise moves its time.
   */
  async note(manager: EntityManager, enterpriseIds: string[]): Promise<void> {
    if (!enterpriseIds.length) return;
    await this.requests.note(manager, [...new Set(enterpriseIds)].sort());
  }

  /**
   * Queues the regrading of `enterpriseIds`, noted in a transaction that has committed. Best
   * effort: a Redis outage must not turn the change into an error; the request waits in the
   * database until Redis is back.
   */
  async dispatch(enterpriseIds: string[]): Promise<void> {
    if (!enterpriseIds.length) return;
    const ids = [...new Set(enterpriseIds)].sort();
    // While Redis is away, adding a job waits out ioredis' reconnections (seconds on every write):
    // the noted request is enough, queued again by the workers when Redis is back.
    if (this.queue.client.status !== 'ready') {
      this.logger.warn(
        `Redis is not connected: the regrading of ${ids.length} enterprise(s) is queued when it is back`,
      );
      return;
    }
    const now = this.clock.now().getTime();
    const window = Math.floor(now / WINDOW_MS);
    const delay = (window + 1) * WINDOW_MS - now + 20;
    // Completed jobs are not kept, so the id never blocks a later request.
    await this.queue.addBulk(this.jobs(ids, `:${window}`, { delay, removeOnComplete: true })).catch((error: Error) => {
      this.logger.warn(
        `could not queue the regrading of ${ids.length} enterprise(s); queued again when Redis is back: ${error.message}`,
      );
    });
  }

  /** Whether a regrading of the enterprise has been asked and not yet answered (its grade may be about to move). */
  async isPending(enterpriseId: string): Promise<boolean> {
    return (await this.requests.pending([enterpriseId])).length > 0;
  }

  /**
   * Regrades `enterpriseIds` with `regrade`, then removes the requests it answered: those it saw
   * before it began, whose changes had committed (a request commits with its change). A request
   * committed since, or moved by a later change, is another row version, and stays.
   */
  async answer<T>(enterpriseIds: string[], regrade: () => Promise<T>): Promise<T> {
    const seen = await this.requests.pending(enterpriseIds);
    const result = await regrade();
    if (seen.length) await this.requests.answered(seen);
    return result;
  }

  /**
   * Queues again the requests still unanswered: all of them once Redis is back after an outage
   * (`minAgeSeconds` 0); otherwise those neither asked nor queued again for longer than any
   * queue delay, so that requests waiting their turn in a backlog are not queued again at every
   * check. Job ids derive from the enterprises, so workers doing this at once queue each
   * regrading once.
   */
  async requeueUnanswered(minAgeSeconds = LOST_AFTER_SECONDS): Promise<number> {
    const ids = (await this.requests.unanswered(minAgeSeconds, REQUEUED_PER_CHECK)).sort();
    if (!ids.length) return 0;
    await this.queue.addBulk(this.jobs(ids, '', { removeOnComplete: true, removeOnFail: true }));
    await this.requests.markQueued(ids);
    this.logger.log(`queued again the regrading of ${ids.length} enterprise(s) asked before`);
    return ids.length;
  }

  private jobs(ids: string[], suffix: string, opts: JobOptions) {
    const jobs = [];
    for (let i = 0; i < ids.length; i += IDS_PER_JOB) {
      const batch = ids.slice(i, i + IDS_PER_JOB);
      // The whole list names a batch: two batches with the same ends and size are not one job.
      const key = batch.length === 1 ? batch[0] : createHash('sha256').update(batch.join(',')).digest('hex');
      jobs.push({
        name: JobName.RecomputeEnterprises,
        data: { enterpriseIds: batch },
        opts: { ...opts, jobId: `recompute:${key}${suffix}` },
      });
    }
    return jobs;
  }
}

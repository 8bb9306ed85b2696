import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Queue } from 'bull';
import { QueueName } from './queues';

/** A job that will not run again: its last attempt failed, or it stalled too often. */
export interface FinalFailure {
  queue: QueueName;
  /** The job as Bull last stored it; null when it was removed before it could be read. */
  job: Job | null;
  error: Error;
}

export type FinalFailureListener = (failure: FinalFailure) => void | Promise<void>;

/**
 * The one place that hears of failed jobs, on every queue. A failed attempt that Bull will
 * retry is a warning; a job that fails for good is logged as an error and handed to the
 * listeners: the metrics count it, and the owner of the work it did records how it ended (an
 * import is marked failed). Bull emits `failed` in the process whose worker ran the job (or
 * found it stalled), so each failure is heard once.
 */
@Injectable()
export class JobFailures implements OnModuleInit {
  private readonly logger = new Logger(JobFailures.name);
  private readonly listeners: { queue: QueueName | null; listener: FinalFailureListener }[] = [];

  constructor(private readonly moduleRef: ModuleRef) {}

  /** Calls `listener` for each job of `queue` (of every queue when null) that fails for good. */
  onFinalFailure(queue: QueueName | null, listener: FinalFailureListener): void {
    this.listeners.push({ queue, listener });
  }

  onModuleInit(): void {
    for (const name of Object.values(QueueName)) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('failed', (job: Job | null, error: Error) => void this.failed(name, job, error));
    }
  }

  private async failed(queue: QueueName, job: Job | null, error: Error): Promise<void> {
    const what = job ? `${queue} job ${job.name} ${job.id}` : `a ${queue} job`;
    // Bull sets finishedOn only when a job goes to the failed set for good (never on a retry).
    if (job && !job.finishedOn) {
      this.logger.warn(
        `${what}: attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1} failed, retrying: ${error.message}`,
      );
      return;
    }
    this.logger.error({
      msg: `${what} failed for good${job ? ` after ${job.attemptsMade} attempt(s)` : ''}: ${error.message}`,
      queue,
      job: job ? { name: job.name, id: String(job.id) } : null,
      err: error,
    });
    for (const { queue: wanted, listener } of this.listeners) {
      if (wanted !== null && wanted !== queue) continue;
      try {
        await listener({ queue, job, error });
      } catch (listenerError) {
        this.logger.error({ msg: `recording the failure of ${what} failed`, err: listenerError });
      }
    }
  }
}

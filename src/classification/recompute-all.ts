import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { everyDayInBeijing, JobName, QueueName } from '../jobs/queues';
import { EnterprisesService } from '../registry/enterprises.service';
import { RANGE_SIZE, RecomputeResult } from './classification.service';

/** Chunk jobs in flight at once: enough to keep every worker busy, few enough for Redis. */
const IN_FLIGHT = 20;

export interface RecomputeAllData {
  reason: string;
  startedBy: string | null;
}

/**
 * The full recompute: walks the enterprises in key order and hands them out as chunk jobs
 * (`recompute-enterprises`, a key range of 5 000 each) that any worker may take, keeping a bounded number
 * in flight, and reports progress as it goes. A run whose worker dies is handed to another
 * worker once its lock lapses; it walks the enterprises again, finds the chunks already done
 * (same job ids, kept a day) and waits for the rest, and chunk jobs are idempotent anyway.
 */
@Injectable()
export class RecomputeAll {
  constructor(
    private readonly enterprises: EnterprisesService,
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
  ) {
    // Each chunk in flight listens for its completion on the queue's events.
    queue.setMaxListeners(Math.max(queue.getMaxListeners(), 2 * IN_FLIGHT + 10));
  }

  /** The nightly run (02:30 Beijing time). Bull keeps one schedule per key, however many workers ask. */
  scheduleNightly(): Promise<Job<RecomputeAllData>> {
    return everyDayInBeijing(this.queue, JobName.RecomputeAll, 'nightly-recompute', '02:30', {
      reason: 'nightly',
      startedBy: null,
    });
  }

  start(data: RecomputeAllData): Promise<Job<RecomputeAllData>> {
    return this.queue.add(JobName.RecomputeAll, data, { attempts: 3 });
  }

  async run(job: Job<RecomputeAllData>): Promise<RecomputeResult> {
    const total = await this.enterprises.count();
    const totals: RecomputeResult = { enterprises: 0, examined: 0, changed: 0, gradeChanges: 0 };
    const inFlight = new Set<Promise<void>>();
    let chunk = 0;
    for await (const range of this.enterprises.keyRanges(RANGE_SIZE)) {
      // A restarted run finds its finished chunks (kept a day after completion) and their results.
      const jobId = `all:${job.id}:${chunk++}`;
      const child =
        (await this.queue.getJob(jobId)) ??
        (await this.queue.add(JobName.RecomputeEnterprises, range, { jobId, removeOnComplete: { age: 24 * 3600 } }));
      const done = (child.finished() as Promise<RecomputeResult>).then((result) => {
        totals.enterprises += result.enterprises;
        totals.examined += result.examined;
        totals.changed += result.changed;
        totals.gradeChanges += result.gradeChanges;
        void job.progress(Math.floor((100 * totals.enterprises) / Math.max(1, total))).catch(() => undefined);
      });
      const tracked = done.finally(() => inFlight.delete(tracked));
      tracked.catch(() => undefined); // a failed chunk fails the run at the next await, not the process
      inFlight.add(tracked);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return totals;
  }
}

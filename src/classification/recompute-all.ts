import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { isRedisUnavailable, JobName, QueueName, refundAttempt } from '../jobs/queues';
import type { Schedule } from '../jobs/schedules';
import { EnterprisesService } from '../registry/enterprises.service';
import { RANGE_SIZE, RecomputeResult } from './classification.service';
import { KeyRange, RecomputeRunsRepository } from './recompute-runs.repository';

/** Chunk jobs in flight at once: enough to keep every worker busy, few enough for Redis. */
const IN_FLIGHT = 20;
/** How often a run looks in the database for its finished chunks. */
const POLL_MS = 200;
/** How often a run checks that its chunks' jobs are still in Redis. */
const CHECK_MS = 2_000;
const RUN_OPTIONS: JobOptions = { attempts: 3 };

export interface RecomputeAllData {
  reason: string;
  startedBy: string | null;
}

/** A chunk job's data: its key range, and the run it belongs to. */
export type RecomputeChunk = KeyRange & { runId: string };

const rangeKey = (range: KeyRange) => `${range.fromId}-${range.toId}`;

/**
 * The full recompute: walks the enterprises in key order and hands them out as chunk jobs
 * (`recompute-enterprises`, a key range of 5 000 each) that any worker may take, keeping a bounded number
 * in flight, and reports progress as it goes.
 *
 * The run and each chunk it has finished are recorded in PostgreSQL (`recompute_runs`), which
 * the run waits on, rather than on Redis. A run whose worker dies is handed to another worker
 * once its lock lapses; a run whose job Redis lost (a restarted Redis is empty) is queued again
 * under the same job id by `resumeLost`, which every worker does on reconnecting to Redis and
 * every half minute. Either way it walks the enterprises again and hands out only the chunks not
 * finished; chunk jobs are idempotent anyway.
 */
@Injectable()
export class RecomputeAll implements OnModuleDestroy {
  private readonly logger = new Logger(RecomputeAll.name);
  private stopping = false;

  constructor(
    private readonly enterprises: EnterprisesService,
    private readonly runs: RecomputeRunsRepository,
    /** The runs' own queue: one run at a time per worker, so runs never take the slots their chunks need. */
    @InjectQueue(QueueName.Recomputes) private readonly runsQueue: Queue,
    /** The chunks', beside the regradings. */
    @InjectQueue(QueueName.Classification) private readonly queue: Queue,
  ) {}

  /**
   * A stopping worker gives up the runs it hands out (before Bull waits for its jobs), to be
   * retried by another without using one of their attempts.
   */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  /**
   * The nightly run (02:30 Beijing time), kept in the runs' queue. The schedule an earlier
   * version kept in the classification queue is removed.
   */
  nightlySchedule(): Schedule<RecomputeAllData> {
    return {
      what: 'nightly recompute',
      name: JobName.RecomputeAll,
      jobId: 'nightly-recompute',
      at: { daily: '02:30' },
      data: { reason: 'nightly', startedBy: null },
      replaces: async () => {
        for (const earlier of await this.queue.getRepeatableJobs())
          if (earlier.name === JobName.RecomputeAll) await this.queue.removeRepeatableByKey(earlier.key);
      },
    };
  }

  /**
   * Records a run and queues it; its job id is the run's. While a run started under the active
   * rule set is unfinished, its job id instead: a second run would only do the same work again.
   */
  async start(data: RecomputeAllData): Promise<string> {
    const { jobId, created } = await this.runs.createUnlessRunning(data);
    if (!created) return jobId; // its job is queued (again by resumeLost, should Redis have lost it)
    try {
      await this.runsQueue.add(JobName.RecomputeAll, data, { ...RUN_OPTIONS, jobId });
    } catch (error) {
      await this.runs.remove(jobId);
      throw error;
    }
    return jobId;
  }

  /**
   * Queues again, under their job ids, the recent runs whose jobs Redis no longer has: one not
   * finished resumes; one that finished meanwhile (its chunks ended while Redis was away)
   * completes at once with its result, so `GET /jobs/{jobId}` shows it.
   */
  async resumeLost(): Promise<number> {
    let resumed = 0;
    for (const run of await this.runs.recent<RecomputeAllData>()) {
      if (await this.runsQueue.getJob(run.jobId)) continue;
      await this.runsQueue.add(JobName.RecomputeAll, run.data, { ...RUN_OPTIONS, jobId: run.jobId });
      this.logger.log(`recompute ${run.jobId} was lost from the queue: queued again`);
      resumed++;
    }
    return resumed;
  }

  /** A chunk job has done its range: recorded before its job completes, so no run waits on Redis for it. */
  chunkFinished(chunk: RecomputeChunk, result: RecomputeResult): Promise<void> {
    return this.runs.chunkFinished(chunk.runId, chunk, result);
  }

  async run(job: Job<RecomputeAllData>): Promise<RecomputeResult> {
    const run = await this.runs.open(String(job.id), job.data);
    if (run.result) return run.result;
    const result = await this.walk(job, run.id);
    await this.runs.finish(run.id, result);
    return result;
  }

  /** A run whose job failed for good (its attempts spent, or stalled too often) is not resumed. */
  failed(jobId: string, failure: string): Promise<void> {
    return this.runs.fail(jobId, failure);
  }

  private async walk(job: Job<RecomputeAllData>, runId: string): Promise<RecomputeResult> {
    const total = await this.enterprises.count();
    const totals: RecomputeResult = { enterprises: 0, examined: 0, changed: 0, gradeChanges: 0 };
    const add = (result: RecomputeResult) => {
      totals.enterprises += result.enterprises;
      totals.examined += result.examined;
      totals.changed += result.changed;
      totals.gradeChanges += result.gradeChanges;
    };
    const finished = await this.runs.finishedChunks(runId);
    /** Chunks handed out and not finished, by range key. */
    const pending = new Map<string, { jobId: string; chunk: RecomputeChunk }>();
    let checked = Date.now();

    const queueChunk = (jobId: string, chunk: RecomputeChunk) =>
      this.queue.add(JobName.RecomputeEnterprises, chunk, { jobId, removeOnComplete: true });
    /** Waits until some pending chunk has finished (as recorded in the database). */
    const waitForSome = async () => {
      for (;;) {
        if (this.stopping) {
          await refundAttempt(job); // a stop is no failure of the run's: rolling restarts must not end it
          throw new Error('the worker stopped; the run is taken up again where it was');
        }
        const done = await this.runs.finishedChunks(runId);
        let progressed = false;
        for (const [key] of pending) {
          const result = done.get(key);
          if (!result) continue;
          add(result);
          pending.delete(key);
          progressed = true;
        }
        if (progressed) {
          void job.progress(Math.floor((100 * totals.enterprises) / Math.max(1, total))).catch(() => undefined);
          return;
        }
        if (Date.now() - checked >= CHECK_MS) {
          checked = Date.now();
          await this.check([...pending.values()], queueChunk);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    };

    for await (const range of this.enterprises.keyRanges(RANGE_SIZE)) {
      const key = rangeKey(range);
      const result = finished.get(key);
      if (result) {
        add(result);
        continue;
      }
      const jobId = `all:${runId}:${key}`;
      const chunk = { ...range, runId };
      // Bull keeps one job per id: a chunk still queued from an earlier attempt is not queued twice.
      await queueChunk(jobId, chunk);
      pending.set(key, { jobId, chunk });
      if (pending.size >= IN_FLIGHT) await waitForSome();
    }
    while (pending.size) await waitForSome();
    return totals;
  }

  /**
   * While Redis answers: queues again the chunks it lost (a restarted Redis is empty; not those
   * whose jobs went because they had finished) and fails the run if a chunk failed for good. While it does not, the run goes on waiting: chunks in
   * flight record their end in the database. (A run whose own job was lost goes on too: the job
   * queued again in its place by `resumeLost` finds the same chunks, and whichever ends first
   * ends both; moving a job that is no longer this worker's fails harmlessly in Bull.)
   */
  private async check(
    pending: { jobId: string; chunk: RecomputeChunk }[],
    queueChunk: (jobId: string, chunk: RecomputeChunk) => Promise<unknown>,
  ): Promise<void> {
    try {
      const missing: typeof pending = [];
      for (const entry of pending) {
        const child = await this.queue.getJob(entry.jobId);
        if (!child) missing.push(entry);
        else if ((await child.getState()) === 'failed')
          throw new Error(`chunk ${entry.jobId} failed: ${child.failedReason}`);
      }
      if (!missing.length) return;
      // A chunk's job goes once it completes, its end recorded before: read after the jobs, the
      // database tells a chunk that has just finished from one Redis lost.
      const finished = await this.runs.finishedChunks(missing[0].chunk.runId);
      for (const { jobId, chunk } of missing) if (!finished.has(rangeKey(chunk))) await queueChunk(jobId, chunk);
    } catch (error) {
      if (!isRedisUnavailable(error)) throw error;
    }
  }
}

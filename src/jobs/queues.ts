import type { Job, JobOptions, Queue } from 'bull';

/** Every Bull queue of the system. Each job name below has exactly one handler (checked at start-up). */
export enum QueueName {
  Maintenance = 'maintenance',
  Imports = 'imports',
  Classification = 'classification',
  /** Full recomputes, one at a time per worker: each waits on its chunks, in the classification queue. */
  Recomputes = 'recomputes',
  Webhooks = 'webhooks',
  Exports = 'exports',
  Screenings = 'screenings',
}

export enum JobName {
  ImportFile = 'import-file',
  RecomputeEnterprises = 'recompute-enterprises',
  RecomputeAll = 'recompute-all',
  DryRun = 'dry-run',
  ExpireBlacklist = 'expire-blacklist',
  DeliverWebhooks = 'deliver-webhooks',
  WriteExports = 'write-exports',
  AuditCheckpoint = 'audit-checkpoint',
  ScreenCodes = 'screen-codes',
  KeepQueryLogMonths = 'keep-query-log-months',
}

/** The jobs of each queue: a worker process has exactly one handler for each (JobHandlersCheck). */
export const JOBS_OF_QUEUE: Record<QueueName, readonly JobName[]> = {
  [QueueName.Maintenance]: [JobName.ExpireBlacklist, JobName.AuditCheckpoint, JobName.KeepQueryLogMonths],
  [QueueName.Imports]: [JobName.ImportFile],
  [QueueName.Classification]: [JobName.RecomputeEnterprises, JobName.DryRun],
  [QueueName.Recomputes]: [JobName.RecomputeAll],
  [QueueName.Webhooks]: [JobName.DeliverWebhooks],
  [QueueName.Exports]: [JobName.WriteExports],
  [QueueName.Screenings]: [JobName.ScreenCodes],
};

/** Explicit options for every job: retries with back-off, bounded retention. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { count: 5_000 },
};

/** Whether `error` is a Redis command's that could not be sent or answered: the connection is down. */
export function isRedisUnavailable(error: unknown): boolean {
  const { name, message } = (error ?? {}) as Partial<Error>;
  return (
    name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|ECONNREFUSED|ECONNRESET|Stream isn't writeable/.test(message ?? '')
  );
}

/**
 * Gives `job` back the attempt that its failure, about to be thrown, would use: a worker stopping
 * is no fault of the job's, and rolling restarts must not use up its attempts. Bull has no API to
 * change a job's options, so they are written where it keeps them, for the worker that takes the
 * job next. Best effort: with Redis away the failure cannot be recorded either.
 */
export async function refundAttempt(job: Job): Promise<void> {
  job.opts.attempts = (job.opts.attempts ?? 1) + 1;
  await job.queue.client.hset(job.queue.toKey(String(job.id)), 'opts', JSON.stringify(job.opts)).catch(() => undefined);
}

/**
 * Queues job `name` under `jobId`, so that queuing twice runs it once: for work whose record is a
 * row of the database (an import, a screening), queued again whenever Redis may have lost it. A job
 * with that id that has already failed for good (or completed) would block the new one, so it is
 * removed first: the row, not the job, says whether the work is done.
 */
export async function queueOnce(queue: Queue, name: JobName, data: object, jobId: string): Promise<void> {
  const earlier = await queue.getJob(jobId);
  if (earlier && ((await earlier.isFailed()) || (await earlier.isCompleted()))) {
    // A worker starting at the same moment may have removed or requeued it already.
    await earlier.remove().catch(() => undefined);
  }
  await queue.add(name, data, { jobId });
}

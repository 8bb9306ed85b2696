import type { JobOptions } from 'bull';

/** Every Bull queue of the system. Each job name below has exactly one handler (checked at start-up). */
export enum QueueName {
  Maintenance = 'maintenance',
  Imports = 'imports',
  Classification = 'classification',
  Webhooks = 'webhooks',
  Exports = 'exports',
}

export enum JobName {
  ImportFile = 'import-file',
  RecomputeEnterprises = 'recompute-enterprises',
  RecomputeAll = 'recompute-all',
  DryRun = 'dry-run',
  ExpireBlacklist = 'expire-blacklist',
  DeliverWebhooks = 'deliver-webhooks',
  WriteExports = 'write-exports',
}

/** Explicit options for every job: retries with back-off, bounded retention. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { count: 5_000 },
};

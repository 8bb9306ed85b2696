import { getQueueToken } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { QueueName } from './queues';

/** Ids of the export jobs an administrator asks for (`export:<date>:<uuid>`). */
export const EXPORT_JOB_PREFIX = 'export:';
/** Ids of the full recomputes an API call starts (`recompute-all:<run id>`). */
export const RECOMPUTE_JOB_PREFIX = 'recompute-all:';

/**
 * Jobs an API call starts live in different queues; their ids say which. The first prefix that
 * matches names the queue; an id without one is a classification job (dry runs).
 */
const QUEUE_BY_ID_PREFIX: readonly [prefix: string, queue: QueueName][] = [
  [EXPORT_JOB_PREFIX, QueueName.Exports],
  [RECOMPUTE_JOB_PREFIX, QueueName.Recomputes],
];
const DEFAULT_QUEUE = QueueName.Classification;

/** Finds the queue of a job by its id, so that GET /api/v1/jobs/{jobId} needs to know no feature module. */
@Injectable()
export class JobsLookup {
  constructor(private readonly moduleRef: ModuleRef) {}

  queueOf(jobId: string): Queue {
    const name = QUEUE_BY_ID_PREFIX.find(([prefix]) => jobId.startsWith(prefix))?.[1] ?? DEFAULT_QUEUE;
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }
}

/** A system error (`ENOTDIR: not a directory, mkdir '…'`) or an absolute path of the server. */
const SERVER_DETAIL = /\bE[A-Z]+: |(^|[\s'"(=:])\/[^\s'"/]+\//;

/**
 * A job's failure as its starter reads it. Jobs should fail with reasons meant for them (the
 * export job does); one that did not, and names the server's paths or system errors, is told
 * in general terms: the worker's log holds the error itself.
 */
export function publicFailedReason(reason: string, jobId: string): string {
  return SERVER_DETAIL.test(reason)
    ? `The job failed on the server; an administrator finds the cause in the worker's log (job ${jobId})`
    : reason;
}

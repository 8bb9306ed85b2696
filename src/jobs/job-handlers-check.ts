import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { BULL_MODULE_QUEUE, BULL_MODULE_QUEUE_PROCESS } from '@nestjs/bull/dist/bull.constants';
import { JOBS_OF_QUEUE } from './queues';

/** A `@Process` handler found on a `@Processor` class. */
export interface JobHandler {
  queue: string;
  /** The job name it handles; undefined for a handler of every job of its queue. */
  name: string | undefined;
  /** `Class.method`, for the error. */
  where: string;
}

/**
 * What is wrong with `handlers` for `jobsOfQueue`: a job of a queue without a handler, or with
 * more than one; a handler of a job its queue does not have, or of every job of a queue (Bull's
 * default handler, which would hide a missing one). Empty when each job has exactly one.
 */
export function jobHandlerProblems(
  handlers: JobHandler[],
  jobsOfQueue: Record<string, readonly string[]> = JOBS_OF_QUEUE,
): string[] {
  const problems: string[] = [];
  for (const [queue, names] of Object.entries(jobsOfQueue)) {
    for (const name of names) {
      const found = handlers.filter((h) => h.queue === queue && h.name === name);
      if (!found.length) problems.push(`job ${name} of queue ${queue} has no handler`);
      else if (found.length > 1)
        problems.push(
          `job ${name} of queue ${queue} has ${found.length} handlers: ${found.map((h) => h.where).join(', ')}`,
        );
    }
  }
  for (const handler of handlers) {
    if (handler.name === undefined)
      problems.push(`${handler.where} handles every job of queue ${handler.queue}: name the job it handles`);
    else if (!jobsOfQueue[handler.queue]?.includes(handler.name))
      problems.push(`${handler.where} handles ${handler.name}, which is no job of queue ${handler.queue}`);
  }
  return problems;
}

/**
 * The start-up check that `queues.ts` promises: in a process that runs workers (one that has any
 * `@Processor`), every job of every queue has exactly one handler. A job without one would wait
 * in Redis for ever; with two, Bull would refuse the second with a message that names neither
 * class. Either stops the process before any job is taken, with an error that says which jobs
 * and which handlers. It runs when Nest builds this provider, before the processors are
 * registered with Bull (at module init), from the classes' decorator metadata alone.
 */
@Injectable()
export class JobHandlersCheck {
  constructor(discovery: DiscoveryService, scanner: MetadataScanner) {
    const handlers = discover(discovery, scanner);
    if (!handlers) return; // no processors: an api-only process
    const problems = jobHandlerProblems(handlers);
    if (problems.length)
      throw new Error(`Each job must have exactly one handler in a worker process:\n  ${problems.join('\n  ')}`);
  }
}

/** The handlers of the `@Processor` classes among the providers; null when there are none. */
function discover(discovery: DiscoveryService, scanner: MetadataScanner): JobHandler[] | null {
  const processors = discovery
    .getProviders()
    .map((wrapper: InstanceWrapper) => wrapper.metatype)
    .filter((type): type is new (...args: never[]) => object => typeof type === 'function')
    .filter((type) => Reflect.getMetadata(BULL_MODULE_QUEUE, type) !== undefined);
  if (!processors.length) return null;
  const handlers: JobHandler[] = [];
  for (const type of new Set(processors)) {
    const queue: string = Reflect.getMetadata(BULL_MODULE_QUEUE, type).name ?? '';
    const prototype = type.prototype as Record<string, unknown>;
    for (const key of scanner.getAllMethodNames(prototype)) {
      const process: { name?: string } | undefined = Reflect.getMetadata(
        BULL_MODULE_QUEUE_PROCESS,
        prototype[key] as object,
      );
      if (process) handlers.push({ queue, name: process.name, where: `${type.name}.${key}` });
    }
  }
  return handlers;
}

import { Process, Processor } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { JobHandlersCheck, jobHandlerProblems } from './job-handlers-check';
import { JobName, JOBS_OF_QUEUE, QueueName } from './queues';

/** A processor class for `queue` with one handler per name of `jobs`. */
function processorFor(queue: QueueName, jobs: readonly JobName[], className: string) {
  const type = { [className]: class {} }[className];
  jobs.forEach((job, i) => {
    const key = `handle${i}`;
    Object.defineProperty(type.prototype, key, { value: () => undefined, writable: true });
    Process(job)(type.prototype, key, Object.getOwnPropertyDescriptor(type.prototype, key)!);
  });
  Processor(queue)(type);
  Injectable()(type);
  return type;
}

/** One processor per queue, handling every job of it, except those in `leaveOut`. */
const everyQueue = (leaveOut: JobName[] = []) =>
  Object.entries(JOBS_OF_QUEUE).map(([queue, jobs]) =>
    processorFor(
      queue as QueueName,
      jobs.filter((job) => !leaveOut.includes(job)),
      `${queue}Processor`,
    ),
  );

const start = (providers: (new () => object)[]) =>
  Test.createTestingModule({ imports: [DiscoveryModule], providers: [JobHandlersCheck, ...providers] }).compile();

describe('JobHandlersCheck', () => {
  it('knows the queue of every job name', () => {
    expect(Object.values(JOBS_OF_QUEUE).flat().sort()).toEqual(Object.values(JobName).sort());
  });

  it('lets a worker start when every job of every queue has exactly one handler', async () => {
    await expect(start(everyQueue())).resolves.toBeDefined();
  });

  it('lets a process without processors (the api role) start', async () => {
    await expect(start([])).resolves.toBeDefined();
  });

  it('stops the worker when a job has no handler', async () => {
    await expect(start(everyQueue([JobName.DryRun]))).rejects.toThrow(
      'Each job must have exactly one handler in a worker process:\n  job dry-run of queue classification has no handler',
    );
  });

  it('stops the worker when a job has two handlers, and names both', async () => {
    const second = processorFor(QueueName.Maintenance, [JobName.ExpireBlacklist], 'SecondExpiryProcessor');
    await expect(start([...everyQueue(), second])).rejects.toThrow(
      'job expire-blacklist of queue maintenance has 2 handlers: maintenanceProcessor.handle0, SecondExpiryProcessor.handle0',
    );
  });

  it('refuses a handler of a job its queue does not have, and one of every job of a queue', () => {
    expect(
      jobHandlerProblems(
        [
          { queue: 'imports', name: 'import-file', where: 'Imports.run' },
          { queue: 'imports', name: 'write-exports', where: 'Imports.write' },
          { queue: 'imports', name: undefined, where: 'Imports.any' },
        ],
        { imports: ['import-file'] },
      ),
    ).toEqual([
      'Imports.write handles write-exports, which is no job of queue imports',
      'Imports.any handles every job of queue imports: name the job it handles',
    ]);
  });
});

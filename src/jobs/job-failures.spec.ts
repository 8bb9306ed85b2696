import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { Job } from 'bull';
import { EventEmitter } from 'node:events';
import { FinalFailure, JobFailures } from './job-failures';
import { QueueName } from './queues';

/** Every queue as a bare emitter: Bull emits `failed` on the queue whose worker ran the job. */
function setUp() {
  const queues = new Map<string, EventEmitter>();
  const moduleRef = {
    get: (token: string) => {
      const queue = queues.get(token) ?? new EventEmitter();
      queues.set(token, queue);
      return queue;
    },
  } as unknown as ModuleRef;
  const failures = new JobFailures(moduleRef);
  failures.onModuleInit();
  const queue = (name: QueueName) => queues.get(`BullQueue_${name}`)!;
  return { failures, queue };
}

const job = (fields: Partial<Job>) =>
  ({ id: '1', name: 'write-exports', data: {}, opts: { attempts: 5 }, ...fields }) as Job;
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('JobFailures', () => {
  let errors: jest.SpyInstance;
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation();
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation();
  });
  afterEach(() => jest.restoreAllMocks());

  it('hands on a job that failed for good, to the listeners of its queue and of every queue', async () => {
    const { failures, queue } = setUp();
    const all: FinalFailure[] = [];
    const exportsOnly: FinalFailure[] = [];
    const importsOnly: FinalFailure[] = [];
    failures.onFinalFailure(null, (f) => void all.push(f));
    failures.onFinalFailure(QueueName.Exports, (f) => void exportsOnly.push(f));
    failures.onFinalFailure(QueueName.Imports, (f) => void importsOnly.push(f));
    const failed = job({ attemptsMade: 5, finishedOn: Date.now() });
    queue(QueueName.Exports).emit('failed', failed, new Error('ENOTDIR'));
    await settle();
    expect(all).toEqual([{ queue: QueueName.Exports, job: failed, error: new Error('ENOTDIR') }]);
    expect(exportsOnly).toHaveLength(1);
    expect(importsOnly).toEqual([]);
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'exports job write-exports 1 failed for good after 5 attempt(s): ENOTDIR' }),
    );
  });

  it('leaves alone an attempt that Bull will retry', async () => {
    const { failures, queue } = setUp();
    const heard: FinalFailure[] = [];
    failures.onFinalFailure(null, (f) => void heard.push(f));
    queue(QueueName.Imports).emit('failed', job({ attemptsMade: 1 }), new Error('busy'));
    await settle();
    expect(heard).toEqual([]);
    expect(errors).not.toHaveBeenCalled();
    expect(warnings).toHaveBeenCalledWith('imports job write-exports 1: attempt 1 of 5 failed, retrying: busy');
  });

  it('hands on a stalled job that was removed, and keeps going when a listener fails', async () => {
    const { failures, queue } = setUp();
    const heard: FinalFailure[] = [];
    failures.onFinalFailure(null, () => {
      throw new Error('database down');
    });
    failures.onFinalFailure(null, (f) => void heard.push(f));
    queue(QueueName.Classification).emit('failed', null, new Error('job stalled more than allowable limit'));
    await settle();
    expect(heard).toEqual([{ queue: QueueName.Classification, job: null, error: expect.any(Error) }]);
    expect(errors).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'recording the failure of a classification job failed' }),
    );
  });
});

import { getQueueToken } from '@nestjs/bull';
import { ModuleRef } from '@nestjs/core';
import { JobsLookup } from './jobs-lookup';
import { QueueName } from './queues';

describe('JobsLookup', () => {
  const lookup = new JobsLookup({ get: (token: string) => token } as unknown as ModuleRef);

  it('finds an export re-run in the exports queue, and any other job in the classification queue', () => {
    expect(lookup.queueOf('export:2026-03-02:0b5c1c8e-1f0a-4c55-9d1e-2b7d1b8c9a10')).toBe(
      getQueueToken(QueueName.Exports),
    );
    for (const id of ['17', 'repeat:recompute', 'exports:2026-03-02'])
      expect(lookup.queueOf(id)).toBe(getQueueToken(QueueName.Classification));
  });
});

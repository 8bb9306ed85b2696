import { getQueueToken } from '@nestjs/bull';
import { ModuleRef } from '@nestjs/core';
import { JobsLookup, publicFailedReason } from './jobs-lookup';
import { QueueName } from './queues';

describe('JobsLookup', () => {
  const lookup = new JobsLookup({ get: (token: string) => token } as unknown as ModuleRef);

  it('finds an export re-run in the exports queue, a full recompute in its own, any other job in the classification queue', () => {
    expect(lookup.queueOf('export:2026-03-02:0b5c1c8e-1f0a-4c55-9d1e-2b7d1b8c9a10')).toBe(
      getQueueToken(QueueName.Exports),
    );
    expect(lookup.queueOf('recompute-all:12')).toBe(getQueueToken(QueueName.Recomputes));
    for (const id of ['17', 'repeat:recompute', 'exports:2026-03-02'])
      expect(lookup.queueOf(id)).toBe(getQueueToken(QueueName.Classification));
  });

  it('tells a failure that names a server path or a system error in general terms', () => {
    for (const reason of [
      "ENOTDIR: not a directory, mkdir '/tmp/qc-x/volume/exports/.staging-1'",
      'EACCES: permission denied',
      'cannot open /var/lib/registry/exports/2026-03-02',
    ])
      expect(publicFailedReason(reason, 'export:1')).toBe(
        "The job failed on the server; an administrator finds the cause in the worker's log (job export:1)",
      );
    for (const reason of ['events of 2026-03-02 are still being written; try again', 'rule set 3 is not valid'])
      expect(publicFailedReason(reason, '7')).toBe(reason);
  });
});

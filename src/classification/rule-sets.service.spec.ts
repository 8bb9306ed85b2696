import type { Job, Queue } from 'bull';
import { ModuleRef } from '@nestjs/core';
import { AuditService } from '../audit/audit.service';
import { JobsLookup } from '../jobs/jobs-lookup';
import { RecomputeAll } from './recompute-all';
import { RuleSetsRepository } from './rule-sets.repository';
import { RuleSetsService } from './rule-sets.service';

/** A job as Bull reads it from Redis: its fields at the time of the read, its state asked apart. */
const jobRead = (fields: Partial<Job>, state: string) =>
  ({
    id: '7',
    name: 'recompute-all',
    data: { startedBy: null },
    progress: () => 100,
    getState: async () => state,
    ...fields,
  }) as unknown as Job;

describe('RuleSetsService.job', () => {
  const service = (reads: Job[]) => {
    const queue = { getJob: jest.fn(async () => reads.shift() ?? null) };
    return {
      queue,
      rules: new RuleSetsService(
        {} as RuleSetsRepository,
        queue as unknown as Queue,
        {} as RecomputeAll,
        {} as AuditService,
        new JobsLookup({ get: () => queue } as unknown as ModuleRef),
      ),
    };
  };
  const admin = { id: 'admin', admin: true };

  it('shows the result of a job that completed between the read of its fields and of its state', async () => {
    // First read: still running (no return value yet); by the state's read it has completed.
    const { rules } = service([
      jobRead({ returnvalue: null }, 'completed'),
      jobRead({ returnvalue: { enterprises: 20_000 } }, 'completed'),
    ]);
    await expect(rules.job('7', admin)).resolves.toMatchObject({
      state: 'completed',
      result: { enterprises: 20_000 },
    });
  });

  it('reads a running job once, and shows no result for it', async () => {
    const { rules, queue } = service([jobRead({ returnvalue: null }, 'active')]);
    const dto = await rules.job('7', admin);
    expect(dto).toMatchObject({ state: 'active', progress: 100 });
    expect(dto).not.toHaveProperty('result');
    expect(queue.getJob).toHaveBeenCalledTimes(1);
  });

  it('refuses another user, and answers 404 for an unknown job', async () => {
    await expect(
      service([jobRead({}, 'active')]).rules.job('7', { id: 'someone', admin: false }),
    ).rejects.toMatchObject({
      status: 403,
    });
    await expect(service([]).rules.job('8', admin)).rejects.toMatchObject({ status: 404 });
  });
});

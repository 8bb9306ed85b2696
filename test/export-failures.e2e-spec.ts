import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsService } from '../src/health/metrics.service';
import { QueueName } from '../src/jobs/queues';
import { TestClock } from './helpers/blacklist';
import { createKey } from './helpers/fixtures';
import { TestApp } from './helpers/test-app';
import { until } from './helpers/until';

/**
 * A night whose export cannot be written is heard of (an error in the log, a count in the
 * metrics), and an administrator writes the day again once the directory is repaired.
 */
describe('daily exports that fail', () => {
  let t: TestApp;
  let scratch: string;
  let blocker: string;
  let admin: string;
  let bank: string;
  const logs: string[] = [];
  const clock = new TestClock(new Date('2026-03-03T02:00:00Z')); // Tuesday 10:00 in Beijing

  /** The failed-jobs counter as /metrics shows it. */
  const failedJobs = async () =>
    (await t.app.get(MetricsService).registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('queue_jobs_failed_total{'));

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'qc-export-failures-'));
    // EXPORT_DIR lies under a regular file: nothing can be created there, even by root.
    blocker = join(scratch, 'volume');
    await writeFile(blocker, 'not a directory');
    t = await TestApp.start(
      __filename,
      { EXPORT_DIR: join(blocker, 'exports'), LOG_LEVEL: 'warn' },
      { clock, logDestination: { write: (line: string) => void logs.push(line) } },
    );
    admin = await t.loginAdmin();
    bank = (await createKey(t, admin, ['feed:read'])).key;
  });
  afterAll(async () => {
    await t.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('logs and counts an export that fails for good, and an administrator writes the day again', async () => {
    // The starting worker tries to write yesterday (2 March); each retry is run at once.
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Exports));
    const counted = await until(
      'the export to fail for good',
      async () => {
        for (const job of await queue.getDelayed()) await job.promote().catch(() => undefined);
        const lines = await failedJobs();
        return lines.length > 0 && lines;
      },
      20_000,
      25,
    );
    expect(counted).toEqual(['queue_jobs_failed_total{queue="exports",name="write-exports"} 1']);
    const errors = logs.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    expect(errors).toEqual([
      expect.objectContaining({
        msg: expect.stringMatching(
          /^exports job write-exports daily-exports:start failed for good after 5 attempt\(s\)/,
        ),
        queue: 'exports',
        err: expect.objectContaining({ code: 'ENOTDIR' }),
      }),
    ]);
    expect((await t.request({ method: 'GET', url: '/api/v1/exports', headers: { 'x-api-key': bank } })).json()).toEqual(
      [],
    );

    expect(errors[0].err.cause).toMatchObject({ code: 'ENOTDIR', message: expect.stringContaining(blocker) });

    // Asked again before the repair, the day fails again: the administrator reads why, without
    // the server's paths.
    const early = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-02', token: admin });
    expect(early.statusCode).toBe(202);
    const failed = await until(
      'the early re-run to fail for good',
      async () => {
        // Only this job's retries are run at once (promoting the schedule's would run further days).
        const retry = await queue.getJob(early.json().jobId);
        if (retry && (await retry.isDelayed())) await retry.promote().catch(() => undefined);
        const body = (
          await t.request({ method: 'GET', url: `/api/v1/jobs/${early.json().jobId}`, token: admin })
        ).json();
        return body.state === 'failed' && body;
      },
      20_000,
      25,
    );
    expect(failed.failedReason).toMatch(/could not be written on the server/);
    expect(failed.failedReason).not.toContain(scratch);
    expect(failed.failedReason).not.toMatch(/ENOTDIR|\//);

    // The directory is repaired; the administrator asks for 2 March again.
    await rm(blocker);
    const res = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-02', token: admin });
    expect(res.statusCode).toBe(202);
    const { jobId } = res.json();
    expect(jobId).toEqual(expect.any(String));
    const job = await until(
      'the export job to finish',
      async () => {
        const body = (await t.request({ method: 'GET', url: `/api/v1/jobs/${jobId}`, token: admin })).json();
        return ['completed', 'failed'].includes(body.state) && body;
      },
      20_000,
      50,
    );
    expect(job).toMatchObject({
      id: jobId,
      name: 'write-exports',
      state: 'completed',
      result: { date: '2026-03-02', departments: ['LTAX', 'PBOC', 'STAX'] },
    });
    const manifest = await t.request({
      method: 'GET',
      url: '/api/v1/exports/2026-03-02',
      headers: { 'x-api-key': bank },
    });
    expect(manifest.statusCode).toBe(200);
    expect(manifest.json()).toMatchObject({ department: 'PBOC', date: '2026-03-02' });
    expect(manifest.json().files).toHaveLength(6);

    const audit = await t.request({ method: 'GET', url: '/api/v1/audit/events?action=export.rerun', token: admin });
    expect(audit.json().items).toEqual([
      expect.objectContaining({ action: 'export.rerun', entityType: 'export', entityId: '2026-03-02' }),
      expect.objectContaining({ action: 'export.rerun', entityType: 'export', entityId: '2026-03-02' }),
    ]);
    // Two failures counted (the night's and the early re-run's): the last re-run succeeded.
    expect(await failedJobs()).toEqual(['queue_jobs_failed_total{queue="exports",name="write-exports"} 2']);
  });

  it('refuses a day that is not a date or is not over, naming the field', async () => {
    for (const date of ['2026-02-30', '2026-13-45', '0099-01-01', 'yesterday', '2026-03-03', '9999-12-31']) {
      const res = await t.request({ method: 'POST', url: `/api/v1/exports/${date}`, token: admin });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors).toEqual([{ field: 'date', message: expect.any(String) }]);
    }
  });
});

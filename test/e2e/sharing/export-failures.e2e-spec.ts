import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsService } from '../../../src/health/metrics.service';
import { QueueName } from '../../../src/jobs/queues';
import { TestClock } from '../../helpers/clock';
import { createKey } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

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
    // The starting worker tries to write yesterday (2 March); each of its retries is run at once.
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Exports));
    const counted = await until(
      'the export to fail for good',
      async () => {
        // Only the start-up job's retries: promoting the schedule's next run would fail more days.
        const start = await queue.getJob('daily-exports:start');
        if (start && (await start.isDelayed())) await start.promote().catch(() => undefined);
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

  /** Asks for 2 March again and waits for the job's end. */
  const rerun = async (body?: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-02', token: admin, body });
    expect(res.statusCode).toBe(202);
    return until(
      'the re-run to finish',
      async () => {
        const job = (await t.request({ method: 'GET', url: `/api/v1/jobs/${res.json().jobId}`, token: admin })).json();
        return ['completed', 'failed'].includes(job.state) && job;
      },
      20_000,
      25,
    );
  };
  const manifestOf = async (key: string) =>
    (await t.request({ method: 'GET', url: '/api/v1/exports/2026-03-02', headers: { 'x-api-key': key } })).json();

  it('re-runs only the departments whose day is missing or incomplete, unless asked to force', async () => {
    const tax = (
      await createKey(t, admin, ['feed:read'], { name: '温州市财政局', kind: 'tax', departmentCode: 'LTAX' })
    ).key;
    const before = { bank: await manifestOf(bank), tax: await manifestOf(tax) };
    clock.set('2026-03-03T05:00:00Z');
    admin = await t.loginAdmin(); // the earlier token has expired by this hour
    // Complete everywhere: nothing is rewritten, and the files partners hold keep their sums.
    expect(await rerun()).toMatchObject({ state: 'completed', result: { date: '2026-03-02', departments: [] } });
    expect(await manifestOf(bank)).toEqual(before.bank);
    // One file of one department is lost: that department's day is written again, no other.
    await rm(join(t.config.EXPORT_DIR, 'PBOC', '2026-03-02', 'changes.csv.gz'));
    expect(await rerun()).toMatchObject({ state: 'completed', result: { departments: ['PBOC'] } });
    expect((await manifestOf(bank)).generatedAt).toBe('2026-03-03T05:00:00.000Z');
    expect(await manifestOf(tax)).toEqual(before.tax);
    // Forced, every department's day is written again.
    clock.set('2026-03-03T06:00:00Z');
    admin = await t.loginAdmin();
    expect(await rerun({ force: true })).toMatchObject({
      state: 'completed',
      result: { departments: ['LTAX', 'PBOC', 'STAX'] },
    });
    expect((await manifestOf(tax)).generatedAt).toBe('2026-03-03T06:00:00.000Z');
    for (const [body, field] of [
      [{ force: 'yes' }, 'force'],
      [{ forse: true }, 'forse'],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-02', token: admin, body });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field, message: expect.any(String) }]);
    }
  });

  it('queues no job when the re-run cannot be audited', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Exports));
    const reruns = async () =>
      (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']))
        .filter((job) => String(job?.id).startsWith('export:'))
        .map((job) => job.id)
        .sort();
    const before = await reruns();
    await t.sql(`CREATE FUNCTION refuse_rerun() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'audit unavailable'; END $$`);
    await t.sql(`CREATE TRIGGER refuse_rerun BEFORE INSERT ON audit_events FOR EACH ROW
                 WHEN (NEW.action = 'export.rerun') EXECUTE FUNCTION refuse_rerun()`);
    try {
      const res = await t.request({ method: 'POST', url: '/api/v1/exports/2026-03-02', token: admin });
      expect(res.statusCode).toBe(500);
      expect(await reruns()).toEqual(before);
    } finally {
      await t.sql(`DROP TRIGGER refuse_rerun ON audit_events`);
      await t.sql(`DROP FUNCTION refuse_rerun()`);
    }
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

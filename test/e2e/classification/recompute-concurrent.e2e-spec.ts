import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';
import { seedGradingWorld } from '../../helpers/workers';

describe('full recomputes asked for at once', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One process, one worker: it used to give every one of its four classification slots to a
    // run, and no slot was left for the chunks they all waited on.
    t = await TestApp.start(__filename);
    await seedGradingWorld(t, 60);
  });
  afterAll(() => t.close());

  it('share the run under way, which completes; one asked after it has ended starts anew', async () => {
    const admin = await t.loginAdmin();
    const recompute = async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
      expect(res.statusCode).toBe(202);
      return res.json().jobId as string;
    };
    const completed = (jobId: string) =>
      until(
        `recompute ${jobId} to complete`,
        async () => {
          const status = (await t.request({ method: 'GET', url: `/api/v1/jobs/${jobId}`, token: admin })).json();
          expect(status.state).not.toBe('failed');
          return status.state === 'completed' && status;
        },
        20_000,
      );

    const jobIds = await Promise.all([recompute(), recompute(), recompute(), recompute(), recompute()]);
    for (const jobId of new Set(jobIds)) expect(await completed(jobId)).toMatchObject({ result: { enterprises: 60 } });
    expect(new Set(jobIds).size).toBe(1);
    const [{ grades }] = await t.sql<{ grades: number }>(`SELECT count(*)::int AS grades FROM classifications`);
    expect(grades).toBe(60);

    const later = await recompute();
    expect(later).not.toBe(jobIds[0]);
    expect(await completed(later)).toMatchObject({ result: { enterprises: 60, changed: 0 } });
  }, 60_000);
});

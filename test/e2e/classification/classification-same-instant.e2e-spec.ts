import { CODES, adminAndRegulator } from '../../helpers/fixtures';
import { TestClock } from '../../helpers/clock';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/**
 * Two grade changes at one instant: a clock that has not moved between them (the tests'
 * clock, held still) must leave a valid history, not a refused interval of no length.
 */
describe('classification: two changes at one instant', () => {
  const clock = new TestClock(new Date('2026-06-01T02:00:00Z'));
  let t: TestApp;
  let qts: string;
  let admin: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.instant', password: 'classify-pass-1' }, [
      [CODES.wenzhouLike, { registeredOn: '2008-05-16' }],
    ]));
  });
  afterAll(() => t.close());

  const get = (path: string) =>
    t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.wenzhouLike}${path}`, token: admin });
  const record = async (body: Record<string, unknown>) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
      token: qts,
      body: { summary: '记录', occurredOn: '2026-05-01', ...body },
    });
    expect(res.statusCode).toBe(201);
  };
  const score = async (differentFrom?: number): Promise<number> => {
    const graded = await until(
      `the score to differ from ${differentFrom}`,
      async () => {
        const res = await get('/classification');
        const body = res.json();
        return res.statusCode === 200 && body.score !== differentFrom && body;
      },
      15_000,
      50,
    );
    return graded.score;
  };

  it('replaces the interval opened at the same instant: one interval, the later grade, from that instant', async () => {
    await record({ type: 'spot_check_fail', documentNo: 'SI-1' });
    const first = await score();
    await record({ type: 'quality_award', documentNo: 'SI-2' });
    const second = await score(first);

    const history = (await get('/classification/history')).json();
    expect(history).toEqual([
      expect.objectContaining({ score: second, validFrom: '2026-06-01T02:00:00.000Z', validTo: null }),
    ]);
    expect((await get('/classification?asOf=2026-06-01T02:00:00Z')).json().score).toBe(second);
    const moves = await t.sql<{ data: { to: string } }>(
      `SELECT data FROM change_events WHERE type = 'classification.changed' ORDER BY seq`,
    );
    expect(moves.length).toBeGreaterThanOrEqual(1);
  });
});

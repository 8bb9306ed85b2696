import { ClassificationService } from '../../../src/classification/classification.service';
import { CODES, adminAndRegulator, createEnterprise } from '../../helpers/fixtures';
import { TestClock } from '../../helpers/clock';
import { TestApp } from '../../helpers/test-app';

/**
 * "Today" is Wenzhou's date (Beijing time, UTC+8). Between 00:00 and 08:00 there it is a day
 * ahead of the UTC date: an event of today must be accepted and count in the grade at once, and
 * the nightly recompute (02:30 Beijing time) must grade as of the day that has begun.
 */
describe('today is the date in Beijing', () => {
  const clock = new TestClock(new Date('2026-03-16T18:30:00Z')); // 02:30 on 17 March in Beijing
  let t: TestApp;
  let admin: string;
  let qts: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.day', password: 'beijing-day-pass-1' }));
  });
  afterAll(() => t.close());

  const record = (occurredOn: string, documentNo: string) =>
    t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
      token: qts,
      body: { type: 'administrative_penalty', severity: 'serious', occurredOn, documentNo, summary: '记录' },
    });

  it("accepts an enterprise registered and a record made on Beijing's today at 02:30, and grades with it at once", async () => {
    await createEnterprise(t, admin, CODES.wenzhouLike, { registeredOn: '2026-03-17' });
    const made = await record('2026-03-17', '温市监罚字〔2026〕317号');
    expect(made.statusCode).toBe(201);

    const [{ id }] = await t.sql<{ id: string }>(`SELECT id::text FROM enterprises WHERE uscc = $1`, [
      CODES.wenzhouLike,
    ]);
    await t.app.get(ClassificationService).recompute({ enterpriseIds: [id] });
    const grade = await t.request({
      method: 'GET',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/classification`,
      token: admin,
    });
    expect(grade.statusCode).toBe(200);
    expect(JSON.stringify(grade.json().factors)).toContain(made.json().id);
  });

  it('still refuses tomorrow at 23:59 Beijing time', async () => {
    clock.set('2026-03-17T15:59:00Z'); // 23:59 on 17 March in Beijing
    qts = await t.login('qts.day', 'beijing-day-pass-1'); // the morning's token has expired
    const tomorrow = await record('2026-03-18', '温市监罚字〔2026〕318号');
    expect(tomorrow.statusCode).toBe(400);
    expect(tomorrow.json().errors).toEqual([{ field: 'occurredOn', message: expect.stringContaining('future') }]);
  });
});

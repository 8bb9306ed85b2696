import { CODES, adminAndRegulator, createEnterprise } from '../../helpers/fixtures';
import { closeOnPrivateRedis, PrivateRedis } from '../../helpers/private-redis';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QueueName } from '../../../src/jobs/queues';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/** The regrading a change asks for is as durable as the change. */
describe('regrade requests', () => {
  let redis: PrivateRedis;
  let t: TestApp | undefined;
  let admin: string;
  let qts: string;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    t = await TestApp.start(__filename, { REDIS_URL: redis.url });
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.regrade', password: 'regrade-pass-1' }, [
      CODES.wenzhouLike,
    ]));
  });
  afterAll(() => closeOnPrivateRedis(redis, t), 60_000);

  const app = () => t!;
  const record = (uscc: string, documentNo: string, type = 'quality_award') =>
    app().request({
      method: 'POST',
      url: `/api/v1/enterprises/${uscc}/records`,
      token: qts,
      body: {
        type,
        occurredOn: '2026-01-05',
        documentNo,
        summary: type === 'license_revoked' ? '吊销生产许可证' : '质量奖',
      },
    });
  const records = async (uscc: string) =>
    (await app().request({ method: 'GET', url: `/api/v1/enterprises/${uscc}/records`, token: qts })).json().total;

  it('commits with the change or not at all: a change whose regrading cannot be noted is not acknowledged', async () => {
    const before = await records(CODES.wenzhouLike);
    await app().sql(`CREATE FUNCTION refuse_regrade() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'regrade_requests refused'; END $$`);
    await app().sql(`CREATE TRIGGER refuse_regrade BEFORE INSERT OR UPDATE ON regrade_requests
                     FOR EACH ROW EXECUTE FUNCTION refuse_regrade()`);
    try {
      const res = await record(CODES.wenzhouLike, '温市监奖〔2026〕9号');
      // It used to answer 201 with the request lost: noted after the commit, its failure only logged.
      expect(res.statusCode).not.toBe(201);
      expect(await records(CODES.wenzhouLike)).toBe(before);
    } finally {
      await app().sql(`DROP TRIGGER refuse_regrade ON regrade_requests`);
      await app().sql(`DROP FUNCTION refuse_regrade()`);
    }
    expect((await record(CODES.wenzhouLike, '温市监奖〔2026〕9号')).statusCode).toBe(201);
    expect(await records(CODES.wenzhouLike)).toBe(before + 1);
  });

  it('answers a write at once while Redis is down, and regrades it once Redis is back', async () => {
    await createEnterprise(app(), admin, CODES.shenzhen);
    const grade = async () =>
      (
        await app().request({
          method: 'GET',
          url: `/api/v1/enterprises/${CODES.shenzhen}/classification`,
          token: admin,
        })
      ).json().grade;
    const queue = app().app.get<Queue>(getQueueToken(QueueName.Classification));
    let retryDelay = 0;
    queue.client.on('reconnecting', (delay: number) => (retryDelay = delay));
    await redis.kill();
    // A long outage: ioredis now waits a second or more between reconnections, and a write used to
    // wait out two of them to queue its regrading (3–6 s, once the delay reaches its 2 s ceiling).
    await until('ioredis to retry a second apart', async () => retryDelay >= 1_000, 20_000);
    const started = Date.now();
    const res = await record(CODES.shenzhen, '温市监许销〔2026〕7号', 'license_revoked');
    const took = Date.now() - started;
    expect(res.statusCode).toBe(201);
    expect(took).toBeLessThan(500);

    await redis.restart();
    await until('the regrading asked during the outage', async () => (await grade()) === 'D', 20_000);
  }, 60_000);
});

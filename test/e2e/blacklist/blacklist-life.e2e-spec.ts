import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { BlacklistService } from '../../../src/blacklist/blacklist.service';
import { QueueName } from '../../../src/jobs/queues';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { CODES } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** The whole life of an entry, twice: to credit repair, and to expiry. */
describe('blacklist: an entry from proposal to removal', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in Beijing

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    w = await BlacklistWorld.create(t, clock, [CODES.shenzhen, CODES.wenzhouLike]);
  });
  afterAll(() => t.close());

  /** A passed spot check: the grade is B (82) before any listing, and stays B once it has aged out (80). */
  const baseline = async (uscc: string, occurredOn: string) => {
    const res = await w.call('proposer', 'POST', `/enterprises/${uscc}/records`, {
      type: 'spot_check_pass',
      occurredOn,
      documentNo: `BASE-${uscc}`,
      summary: '监督抽查合格',
    });
    expect(res.statusCode).toBe(201);
    await w.grade(uscc, 'B');
  };
  const moves = (entry: { transitions: { action: string; from: string | null; to: string; role: string }[] }) =>
    entry.transitions.map((m) => [m.action, m.from, m.to, m.role]);

  it('to credit repair: proposed, noticed, approved, published, repaired', async () => {
    const uscc = CODES.shenzhen;
    const enterprise = `enterprise:${uscc}` as const;
    await baseline(uscc, '2026-02-01');

    const proposed = await w.expect(201, 'proposer', '/blacklist', {
      uscc,
      reasonCode: 'counterfeit_products',
      legalBasis: '《市场监督管理严重违法失信名单管理办法》第二条',
      facts: '生产销售假冒他人注册商标的阀门',
      documentRef: '温市监立字〔2026〕8号',
    });
    expect(proposed).toMatchObject({
      uscc,
      status: 'proposed',
      districtCode: '330302',
      periodMonths: 36,
      departmentCode: 'AMR',
      proposedBy: 'amr.proposer',
      reason: { code: 'counterfeit_products', nameZh: '制假售假', nameEn: 'Making or selling counterfeit products' },
      objectionDeadline: null,
      transitions: [
        {
          action: 'propose',
          from: null,
          to: 'proposed',
          actor: 'amr.proposer',
          role: 'regulator',
          documentRef: '温市监立字〔2026〕8号',
          at: '2026-03-02T02:00:00.000Z',
        },
      ],
    });
    const id = proposed.id;
    // Until notice the proposal is internal: the enterprise neither reads nor lists it.
    expect((await w.call(enterprise, 'GET', `/blacklist/${id}`)).statusCode).toBe(404);
    expect((await w.call(enterprise, 'GET', `/enterprises/${uscc}/blacklist`)).json().items).toEqual([]);

    const noticed = await w.expect(200, 'regulator', `/blacklist/${id}/notice`, {
      documentRef: '温市监告字〔2026〕3号',
    });
    // Ten working days after Monday 2 March: Monday 16 March, to its end in Beijing.
    expect(noticed).toMatchObject({
      status: 'noticed',
      noticedAt: '2026-03-02T02:00:00.000Z',
      objectionDeadline: '2026-03-16T16:00:00.000Z',
    });
    const own = await w.call(enterprise, 'GET', `/blacklist/${id}`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ status: 'noticed', objectionDeadline: '2026-03-16T16:00:00.000Z' });
    expect((await w.call(enterprise, 'GET', `/enterprises/${uscc}/blacklist`)).json().items).toEqual([
      expect.objectContaining({ id, status: 'noticed', objectionDeadline: '2026-03-16T16:00:00.000Z' }),
    ]);

    clock.set('2026-03-17T01:00:00Z');
    const approved = await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, {
      outcome: 'approved',
      note: '事实清楚，证据充分',
    });
    expect(approved).toMatchObject({ status: 'approved', decidedAt: '2026-03-17T01:00:00.000Z' });
    expect(await w.events(uscc)).toEqual([]);

    const published = await w.expect(200, 'regulator', `/blacklist/${id}/publish`);
    expect(published).toMatchObject({
      status: 'published',
      publishedAt: '2026-03-17T01:00:00.000Z',
      earliestRepairDate: '2027-03-17',
      expiresAt: '2029-03-17T16:00:00.000Z',
      removedAt: null,
      removalReason: null,
    });
    expect(await w.events(uscc)).toEqual([
      {
        type: 'blacklist.published',
        data: {
          entryId: id,
          reasonCode: 'counterfeit_products',
          districtCode: '330302',
          periodMonths: 36,
          publishedAt: '2026-03-17T01:00:00.000Z',
          expiresAt: '2029-03-17T16:00:00.000Z',
        },
      },
    ]);
    await w.grade(uscc, 'D');

    const early = await w.call(enterprise, 'POST', `/blacklist/${id}/repair-applications`, { statement: '申请修复' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ status: 409, detail: expect.stringContaining('2027-03-17') });

    clock.set('2027-03-17T01:00:00Z');
    const application = await w.expect(201, enterprise, `/blacklist/${id}/repair-applications`, {
      statement: '已全部召回问题批次并完成整改，申请信用修复',
      evidence: '整改报告 QC-2027-118',
    });
    expect(application).toMatchObject({ outcome: null, filedRole: 'enterprise', evidence: '整改报告 QC-2027-118' });
    const again = await w.call(enterprise, 'POST', `/blacklist/${id}/repair-applications`, { statement: '再次申请' });
    expect(again.json()).toMatchObject({ status: 409, type: 'urn:quality-credit:problem:repair-pending' });

    const repaired = await w.expect(
      200,
      'reviewer',
      `/blacklist/${id}/repair-applications/${application.id}/decision`,
      {
        outcome: 'granted',
        note: '整改到位',
      },
    );
    expect(repaired).toMatchObject({
      status: 'removed',
      removalReason: 'repaired',
      removedAt: '2027-03-17T01:00:00.000Z',
      repairApplications: [expect.objectContaining({ id: application.id, outcome: 'granted', note: '整改到位' })],
    });
    expect(moves(repaired)).toEqual([
      ['propose', null, 'proposed', 'regulator'],
      ['notice', 'proposed', 'noticed', 'regulator'],
      ['decide', 'noticed', 'approved', 'reviewer'],
      ['publish', 'approved', 'published', 'regulator'],
      ['applyRepair', 'published', 'published', 'enterprise'],
      ['decideRepair', 'published', 'removed', 'reviewer'],
    ]);
    expect(repaired.transitions[1].documentRef).toBe('温市监告字〔2026〕3号');
    expect(repaired.transitions[2]).toMatchObject({ outcome: 'approved', note: '事实清楚，证据充分' });
    expect(repaired.transitions[4].repairApplicationId).toBe(application.id);
    expect((await w.events(uscc)).map((e) => e.type)).toEqual(['blacklist.published', 'blacklist.removed']);
    expect((await w.events(uscc))[1].data).toEqual({
      entryId: id,
      reasonCode: 'counterfeit_products',
      districtCode: '330302',
      removalReason: 'repaired',
      removedAt: '2027-03-17T01:00:00.000Z',
      publishedAt: '2026-03-17T01:00:00.000Z',
    });
    await w.grade(uscc, 'B');

    // Every write is in the audit log.
    const audit = await t.sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE entity_type = 'blacklist_entry' AND entity_id = $1 ORDER BY seq`,
      [id],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'blacklist.propose',
      'blacklist.notice',
      'blacklist.decide',
      'blacklist.publish',
      'blacklist.applyRepair',
      'blacklist.decideRepair',
    ]);
  });

  it('to expiry: an objection dismissed, published by a reviewer, removed by the expiry pass however late it runs', async () => {
    const uscc = CODES.wenzhouLike;
    const enterprise = `enterprise:${uscc}` as const;
    clock.set('2027-04-05T02:00:00Z'); // Monday
    await baseline(uscc, '2027-03-01');
    const id = await w.propose(uscc);
    const noticed = await w.expect(200, 'proposer', `/blacklist/${id}/notice`);
    expect(noticed.objectionDeadline).toBe('2027-04-19T16:00:00.000Z');

    clock.set('2027-04-08T03:00:00Z');
    const objection = await w.expect(201, enterprise, `/blacklist/${id}/objections`, {
      statement: '三次抽查中有一次样品并非本企业生产',
    });
    expect(objection).toMatchObject({ entryId: id, outcome: null, filedRole: 'enterprise' });
    const dismissed = await w.expect(200, 'reviewer', `/blacklist/${id}/objections/${objection.id}/decision`, {
      outcome: 'dismissed',
      note: '经核实，样品确为该企业生产',
    });
    expect(dismissed).toMatchObject({
      status: 'noticed',
      objections: [expect.objectContaining({ id: objection.id, outcome: 'dismissed' })],
    });

    clock.set('2027-04-20T02:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${id}/decision`, { outcome: 'approved', note: '申辩不成立' });
    const published = await w.expect(200, 'reviewer', `/blacklist/${id}/publish`);
    expect(published).toMatchObject({ expiresAt: '2030-04-20T16:00:00.000Z', earliestRepairDate: '2028-04-20' });
    await w.grade(uscc, 'D');

    const expiry = t.app.get(BlacklistService);
    clock.set('2030-04-20T15:59:59Z');
    expect(await expiry.expireDue()).toEqual({ removed: 0 });
    expect((await w.entry(id)).status).toBe('published');

    // The worker was down for a week past the expiry: the pass catches up, and running it again changes nothing.
    clock.set('2030-04-27T16:00:00Z');
    expect(await expiry.expireDue()).toEqual({ removed: 1 });
    const removed = await w.entry(id);
    expect(await expiry.expireDue()).toEqual({ removed: 0 });
    expect(await w.entry(id)).toEqual(removed);
    expect(removed).toMatchObject({
      status: 'removed',
      removalReason: 'expired',
      removedAt: '2030-04-20T16:00:00.000Z',
    });
    expect(moves(removed)).toEqual([
      ['propose', null, 'proposed', 'regulator'],
      ['notice', 'proposed', 'noticed', 'regulator'],
      ['object', 'noticed', 'noticed', 'enterprise'],
      ['decideObjection', 'noticed', 'noticed', 'reviewer'],
      ['decide', 'noticed', 'approved', 'reviewer'],
      ['publish', 'approved', 'published', 'reviewer'],
      ['expire', 'published', 'removed', 'system'],
    ]);
    expect(removed.transitions[6]).toMatchObject({ actor: 'blacklist-expiry', at: '2030-04-27T16:00:00.000Z' });
    const events = await w.events(uscc);
    expect(events.map((e) => [e.type, e.data.removalReason])).toEqual([
      ['blacklist.published', undefined],
      ['blacklist.removed', 'expired'],
    ]);
    await w.grade(uscc, 'B');
  });

  it('schedules the expiry pass daily in the worker', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const repeatable = await queue.getRepeatableJobs();
    // The maintenance queue holds other daily jobs too (the audit checkpoint): one expiry pass among them.
    expect(repeatable.filter((job) => job.name === 'expire-blacklist')).toEqual([
      expect.objectContaining({ cron: '5 0 * * *', tz: 'Asia/Shanghai' }),
    ]);
  });
});

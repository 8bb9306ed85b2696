import { ClassificationService } from '../../../src/classification/classification.service';
import { CODES, adminAndRegulator, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

describe('classification', () => {
  let t: TestApp;
  let admin: string;
  let qts: string;
  let enterpriseId: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    ({ admin, regulator: qts } = await adminAndRegulator(t, { username: 'qts.cls', password: 'classify-pass-1' }, [
      [CODES.wenzhouLike, { registeredOn: '2008-05-16' }],
      [CODES.beijing, { registeredOn: '2010-01-01' }],
    ]));
    [{ id: enterpriseId }] = await t.sql<{ id: string }>(`SELECT id::text FROM enterprises WHERE uscc = $1`, [
      CODES.wenzhouLike,
    ]);
  });
  afterAll(() => t.close());

  const grade = (query = '', token = admin) =>
    t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.wenzhouLike}/classification${query}`, token });
  const record = (body: Record<string, unknown>) =>
    t.request({
      method: 'POST',
      url: `/api/v1/enterprises/${CODES.wenzhouLike}/records`,
      token: qts,
      body: { summary: '记录', ...body },
    });
  const events = () =>
    t.sql<{ data: Record<string, unknown> }>(
      `SELECT data FROM change_events WHERE type = 'classification.changed' ORDER BY seq`,
    );
  const history = async () =>
    (
      await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.wenzhouLike}/classification/history`,
        token: admin,
      })
    ).json();
  /** Polls until the grade satisfies `done` (the worker regrades within about a second). */
  const graded = (done: (body: { grade?: string; score?: number }) => boolean) =>
    until(
      'the grade to change',
      async () => {
        const res = await grade();
        const body = res.json();
        return res.statusCode === 200 && done(body) && body;
      },
      15_000,
      50,
    );

  it('has no grade before anything is recorded', async () => {
    const res = await grade();
    expect(res.statusCode).toBe(404);
  });

  it('regrades after a record, naming the factor and the record, with a history interval and one outbox event', async () => {
    const created = (
      await record({ type: 'spot_check_fail', severity: 'serious', occurredOn: '2026-06-01', documentNo: 'CLS-1' })
    ).json();
    const body = await graded((b) => b.grade === 'C');
    expect(body).toEqual({
      grade: 'C',
      score: 65,
      ruleSetVersion: 1,
      computedAt: expect.any(String),
      factors: [
        {
          code: 'record.spot_check_fail',
          description: '1 spot_check_fail record(s) within 36 months',
          points: -15,
          recordIds: [created.id],
        },
      ],
    });
    const intervals = await history();
    expect(intervals).toEqual([
      { grade: 'C', validFrom: expect.any(String), validTo: null, ruleSetVersion: 1, score: 65 },
    ]);
    expect(await events()).toEqual([{ data: { from: null, to: 'C', score: 65, ruleSetVersion: 1 } }]);
  });

  it('writes nothing when the same recompute runs again', async () => {
    const before = await t.sql(`SELECT count(*) FROM audit_events`);
    // Same facts, same rule set, recheck date not reached: not even classified again.
    expect(await t.app.get(ClassificationService).recompute({ enterpriseIds: [enterpriseId] })).toEqual({
      enterprises: 1,
      examined: 0,
      changed: 0,
      gradeChanges: 0,
    });
    expect(await t.sql(`SELECT count(*) FROM audit_events`)).toEqual(before);
    expect(await history()).toHaveLength(1);
    expect(await events()).toHaveLength(1);
  });

  it('classifies again once its recheck date comes, and writes no history when the grade stands', async () => {
    const [{ recheck_on }] = await t.sql<{ recheck_on: string }>(
      `SELECT to_char(recheck_on, 'YYYY-MM-DD') AS recheck_on FROM classifications WHERE enterprise_id = $1`,
      [enterpriseId],
    );
    expect(recheck_on > new Date().toISOString().slice(0, 10)).toBe(true);
    await t.sql(`UPDATE classifications SET recheck_on = CURRENT_DATE - 1 WHERE enterprise_id = $1`, [enterpriseId]);
    expect(await t.app.get(ClassificationService).recompute({ enterpriseIds: [enterpriseId] })).toEqual({
      enterprises: 1,
      examined: 1,
      changed: 0,
      gradeChanges: 0,
    });
    expect(
      await t.sql(
        `SELECT to_char(recheck_on, 'YYYY-MM-DD') AS recheck_on FROM classifications WHERE enterprise_id = $1`,
        [enterpriseId],
      ),
    ).toEqual([{ recheck_on }]);
    expect(await history()).toHaveLength(1);
  });

  it('opens a new interval on every change, and tells partners only when the grade moves', async () => {
    await record({ type: 'quality_award', occurredOn: '2026-05-01', documentNo: 'CLS-2' });
    await graded((b) => b.score === 73);
    expect((await history()).map((i: { grade: string; score: number }) => [i.grade, i.score])).toEqual([
      ['C', 65],
      ['C', 73],
    ]);
    expect(await events()).toHaveLength(1);

    const betweenGrades = new Date().toISOString();
    await record({
      type: 'administrative_penalty',
      severity: 'serious',
      occurredOn: '2026-07-01',
      documentNo: 'CLS-3',
    });
    const d = await graded((b) => b.grade === 'D');
    expect(d.score).toBe(53);
    const intervals = await history();
    expect(intervals.map((i: { grade: string; validTo: string | null }) => [i.grade, i.validTo === null])).toEqual([
      ['C', false],
      ['C', false],
      ['D', true],
    ]);
    expect(intervals[1].validTo).toBe(intervals[2].validFrom);
    expect((await events()).map((e) => e.data.to)).toEqual(['C', 'D']);
    const past = await grade(`?asOf=${encodeURIComponent(betweenGrades)}`);
    expect(past.json()).toMatchObject({ grade: 'C', score: 73 });
  });

  it('regrades after a correction withdraws a record', async () => {
    const [{ id }] = await t.sql<{ id: string }>(`SELECT id::text FROM credit_records WHERE document_no = 'CLS-3'`);
    const res = await t.request({
      method: 'POST',
      url: `/api/v1/records/${id}/corrections`,
      token: qts,
      body: { action: 'withdraw', reason: '处罚已撤销' },
    });
    expect(res.statusCode).toBe(201);
    await graded((b) => b.grade === 'C' && b.score === 73);
  });

  it('shows the grade in the register and filters the register by it', async () => {
    const file = await t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.wenzhouLike}`, token: admin });
    expect(file.json().grade).toBe('C');
    const graded = await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=C', token: admin });
    expect(graded.json().items.map((e: { uscc: string; grade: string }) => [e.uscc, e.grade])).toEqual([
      [CODES.wenzhouLike, 'C'],
    ]);
    expect((await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=A', token: admin })).json().total).toBe(0);
    expect((await t.request({ method: 'GET', url: '/api/v1/enterprises?grade=E', token: admin })).statusCode).toBe(400);
  });

  it('shows an enterprise its own grade only', async () => {
    const own = await createUser(t, admin, {
      username: 'valve.cls',
      password: 'enterprise-pass1',
      role: 'enterprise',
      uscc: CODES.wenzhouLike,
    });
    expect((await grade('', own)).statusCode).toBe(200);
    const other = await t.request({
      method: 'GET',
      url: `/api/v1/enterprises/${CODES.beijing}/classification`,
      token: own,
    });
    expect(other.statusCode).toBe(403);
    expect((await grade('?asOf=yesterday')).statusCode).toBe(400);
  });

  describe('rule sets and the full recompute', () => {
    let reviewer: string;
    const v1 = () => t.sql<{ document: Record<string, unknown> }>(`SELECT document FROM rule_sets WHERE version = 1`);
    const job = (jobId: string, token = admin) =>
      until(
        `job ${jobId} to finish`,
        async () => {
          const body = (await t.request({ method: 'GET', url: `/api/v1/jobs/${jobId}`, token })).json();
          return ['completed', 'failed'].includes(body.state) && body;
        },
        20_000,
        50,
      );
    beforeAll(async () => {
      reviewer = await createUser(t, admin, {
        username: 'amr.rev.cls',
        password: 'reviewer-pass-1',
        role: 'reviewer',
        departmentCode: 'AMR',
      });
    });

    it('lists the versions, version 1 active', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/rule-sets', token: qts });
      expect(res.json()).toEqual([
        expect.objectContaining({ version: 1, status: 'active', document: expect.objectContaining({ baseScore: 80 }) }),
      ]);
    });

    it('refuses an invalid draft, listing every error with its path', async () => {
      const [{ document }] = await v1();
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/rule-sets',
        token: admin,
        body: { document: { ...document, baseScore: -1, thresholds: { A: 1, B: 2, C: 3 }, extra: true } },
      });
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['document.baseScore', 'document.extra']);
      expect(
        (await t.request({ method: 'POST', url: '/api/v1/rule-sets', token: qts, body: { document } })).statusCode,
      ).toBe(403);
    });

    it('activates a draft through a reviewer: a full recompute follows it, and the past keeps the old version', async () => {
      const [{ document }] = await v1();
      const draft = await t.request({
        method: 'POST',
        url: '/api/v1/rule-sets',
        token: admin,
        body: { document: { ...document, baseScore: 95 } },
      });
      expect(draft.statusCode).toBe(201);
      expect(draft.json()).toMatchObject({ version: 2, status: 'draft' });
      const beforeActivation = new Date().toISOString();
      expect((await t.request({ method: 'POST', url: '/api/v1/rule-sets/2/activate', token: admin })).statusCode).toBe(
        403,
      );
      const started = await t.request({ method: 'POST', url: '/api/v1/rule-sets/2/activate', token: reviewer });
      expect(started.statusCode).toBe(202);
      const done = await job(started.json().jobId, reviewer);
      expect(done).toMatchObject({
        name: 'recompute-all',
        state: 'completed',
        progress: 100,
        result: { enterprises: 2, changed: 2 },
      });
      // 95 + 8 (award) - 15 (serious failed check) = 88: B; the enterprise with no record: 95, A.
      expect((await grade()).json()).toMatchObject({ grade: 'B', score: 88, ruleSetVersion: 2 });
      const other = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.beijing}/classification`,
        token: admin,
      });
      expect(other.json()).toMatchObject({ grade: 'A', score: 95, ruleSetVersion: 2 });
      const past = await grade(`?asOf=${encodeURIComponent(beforeActivation)}`);
      expect(past.json()).toMatchObject({ grade: 'C', ruleSetVersion: 1 });
      const versions = (await t.request({ method: 'GET', url: '/api/v1/rule-sets', token: admin })).json();
      expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
        [1, 'retired'],
        [2, 'active'],
      ]);
      expect(
        (await t.request({ method: 'POST', url: '/api/v1/rule-sets/2/activate', token: reviewer })).statusCode,
      ).toBe(409);
      expect(
        (await t.request({ method: 'GET', url: `/api/v1/jobs/${started.json().jobId}`, token: qts })).statusCode,
      ).toBe(403);
    });

    it('dry-runs a draft: the grades under it beside the active version, by district, writing nothing', async () => {
      const [{ document }] = await v1();
      const draft = await t.request({
        method: 'POST',
        url: '/api/v1/rule-sets',
        token: admin,
        body: { document: { ...document, baseScore: 70 } },
      });
      expect(draft.json()).toMatchObject({ version: 3, status: 'draft' });
      const before = await t.sql(`SELECT count(*) FROM classification_history`);
      const started = await t.request({ method: 'POST', url: '/api/v1/rule-sets/3/dry-run', token: reviewer });
      expect(started.statusCode).toBe(202);
      const done = await job(started.json().jobId, reviewer);
      // Under version 2 (base 95): B (88) and A (95); under the draft (base 70): 63 → C and 70 → C.
      expect(done).toMatchObject({
        name: 'dry-run',
        state: 'completed',
        result: {
          draftVersion: 3,
          activeVersion: 2,
          enterprises: 2,
          byDistrict: { '330302': { active: { A: 1, B: 1, C: 0, D: 0 }, draft: { A: 0, B: 0, C: 2, D: 0 } } },
          moves: { 'A->C': 1, 'B->C': 1 },
        },
      });
      expect(await t.sql(`SELECT count(*) FROM classification_history`)).toEqual(before);
      expect((await t.request({ method: 'POST', url: '/api/v1/rule-sets/99/dry-run', token: admin })).statusCode).toBe(
        404,
      );
      expect((await t.request({ method: 'POST', url: '/api/v1/rule-sets/3/dry-run', token: qts })).statusCode).toBe(
        403,
      );
    });

    it('schedules the nightly full recompute once', async () => {
      const { getQueueToken } = await import('@nestjs/bull');
      const queue = t.app.get(getQueueToken('recomputes'), { strict: false });
      const jobs = await queue.getRepeatableJobs();
      expect(jobs.map((j: { cron: string; tz: string }) => [j.cron, j.tz])).toEqual([['30 2 * * *', 'Asia/Shanghai']]);
    });

    it('changes nothing when the full recompute runs again', async () => {
      const events = (await t.sql(`SELECT count(*) FROM change_events`))[0];
      const started = await t.request({ method: 'POST', url: '/api/v1/classification/recompute', token: admin });
      expect(started.statusCode).toBe(202);
      expect(await job(started.json().jobId)).toMatchObject({
        state: 'completed',
        result: { enterprises: 2, examined: 0, changed: 0, gradeChanges: 0 },
      });
      expect((await t.sql(`SELECT count(*) FROM change_events`))[0]).toEqual(events);
    });
  });
});

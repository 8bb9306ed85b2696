import { makeUscc } from '../../../src/common/uscc';
import { TestClock } from '../../helpers/clock';
import { createKey, createUser } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

/** A small city, written straight into the tables, and the figures it must give. */
describe('stats overview', () => {
  let t: TestApp;
  const clock = new TestClock(new Date('2026-03-15T04:00:00Z')); // 15 March 2026, noon in Beijing
  const tokens: Record<string, string> = {};

  const enterprise = async (district: string, serial: number, grade?: string): Promise<string> => {
    const [{ id }] = await t.sql<{ id: string }>(
      `INSERT INTO enterprises (uscc, name, district_code) VALUES ($1, $2, $3) RETURNING id::text`,
      [makeUscc(district, serial), `统计测试企业${serial}`, district],
    );
    if (grade) {
      await t.sql(
        `INSERT INTO classifications (enterprise_id, grade, score, rule_set_version, factors, computed_at)
         VALUES ($1, $2, 80, 1, '[]', now())`,
        [id, grade],
      );
    }
    return id;
  };

  let documents = 0;
  const records = async (enterpriseId: string, type: string, occurredOn: string, n = 1): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const [{ id }] = await t.sql<{ id: string }>(
        `INSERT INTO credit_records (enterprise_id, type, occurred_on, document_no, summary, disclosed, department_code)
         VALUES ($1, $2, $3, $4, '监督抽查', true, 'AMR') RETURNING id::text`,
        [enterpriseId, type, occurredOn, `STATS-${++documents}`],
      );
      ids.push(id);
    }
    return ids;
  };

  const entry = async (
    enterpriseId: string,
    district: string,
    publishedAt: string,
    removal?: { at: string; reason: string },
  ) => {
    const [{ id: admin }] = await t.sql<{ id: string }>(`SELECT id::text FROM users WHERE username = 'admin'`);
    await t.sql(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                      status, department_code, proposed_by, proposed_at, objection_deadline,
                                      published_at, earliest_repair_date, expires_at, removed_at, removal_reason)
       VALUES ($1, $2, 'substandard_products', '依据', '事实', 36, $3, 'AMR', $4, $5::timestamptz - interval '30 days',
               $5::timestamptz - interval '10 days', $5, ($5::timestamptz + interval '1 year')::date,
               $5::timestamptz + interval '3 years', $6, $7)`,
      [
        enterpriseId,
        district,
        removal ? 'removed' : 'published',
        admin,
        publishedAt,
        removal?.at ?? null,
        removal?.reason ?? null,
      ],
    );
  };

  beforeAll(async () => {
    t = await TestApp.start(__filename, {}, { clock });
    const admin = await t.loginAdmin();
    tokens.admin = admin;
    for (const role of ['regulator', 'reviewer'] as const) {
      tokens[role] = await createUser(t, admin, {
        username: `stats.${role}`,
        password: 'stats-password-1',
        role,
        departmentCode: 'AMR',
      });
    }
    const lucheng = [await enterprise('330302', 1, 'A'), await enterprise('330302', 2, 'A')];
    await enterprise('330302', 3, 'B');
    await enterprise('330302', 4);
    const ouhai = [await enterprise('330304', 5, 'C'), await enterprise('330304', 6, 'D')];
    const ruian = await enterprise('330381', 7, 'A');
    tokens.enterprise = await createUser(t, admin, {
      username: 'stats.enterprise',
      password: 'stats-password-1',
      role: 'enterprise',
      uscc: makeUscc('330302', 1),
    });
    const bank = await createKey(t, admin, ['status:read']);
    tokens.institution = await createUser(t, admin, {
      username: 'stats.bank',
      password: 'stats-password-1',
      role: 'institution',
      institutionId: bank.institutionId,
    });

    // Lucheng: 23 passed and 2 failed in the 12 months to 15 March 2026 (92 %), besides checks
    // outside the window and a failure withdrawn by correction.
    await records(lucheng[0], 'spot_check_pass', '2025-03-16', 20);
    await records(lucheng[1], 'spot_check_pass', '2026-03-15', 3);
    await records(lucheng[1], 'spot_check_fail', '2025-09-01', 2);
    await records(lucheng[1], 'spot_check_fail', '2025-03-15');
    await records(lucheng[1], 'spot_check_pass', '2026-03-16');
    await records(lucheng[0], 'administrative_penalty', '2025-10-01');
    const [withdrawn] = await records(lucheng[0], 'spot_check_fail', '2025-12-01');
    await t.sql(
      `INSERT INTO credit_records (enterprise_id, type, occurred_on, document_no, summary, disclosed, department_code,
                                   supersedes_id, correction, correction_reason)
       SELECT enterprise_id, type, occurred_on, document_no, summary, disclosed, department_code, id, 'withdraw', '误录'
         FROM credit_records WHERE id = $1`,
      [withdrawn],
    );
    // Ouhai: 3 passed, 1 failed (75 %).
    await records(ouhai[0], 'spot_check_pass', '2026-01-10', 3);
    await records(ouhai[1], 'spot_check_fail', '2026-02-10');

    // The blacklist: publications in Beijing months (00:30 on 1 March in Beijing is still
    // February in UTC), one before the window; removals of each kind.
    await entry(lucheng[0], '330302', '2026-03-01T00:30:00+08:00');
    await entry(lucheng[1], '330302', '2026-02-28T23:30:00+08:00');
    await entry(ouhai[0], '330304', '2025-03-31T12:00:00+08:00');
    await entry(ouhai[1], '330304', '2025-04-01T00:00:00+08:00', {
      at: '2025-12-10T10:00:00+08:00',
      reason: 'expired',
    });
    await entry(ruian, '330381', '2025-06-01T10:00:00+08:00', { at: '2026-01-05T10:00:00+08:00', reason: 'repaired' });
    await entry(ruian, '330381', '2025-06-02T10:00:00+08:00', { at: '2026-03-10T10:00:00+08:00', reason: 'revoked' });
  });
  afterAll(() => t.close());

  const overview = (token?: string) => t.request({ method: 'GET', url: '/api/v1/stats/overview', token });

  it('counts grades by district, with the ungraded and the city total', async () => {
    const res = await overview(tokens.regulator);
    expect(res.statusCode).toBe(200);
    const { grades, asOf } = res.json();
    expect(asOf).toBe('2026-03-15T04:00:00.000Z');
    expect(grades.byDistrict).toHaveLength(13);
    const by = Object.fromEntries(
      grades.byDistrict.map((d: Record<string, unknown>) => [
        d.districtCode,
        [d.A, d.B, d.C, d.D, d.ungraded, d.total],
      ]),
    );
    expect(by['330302']).toEqual([2, 1, 0, 0, 1, 4]);
    expect(by['330304']).toEqual([0, 0, 1, 1, 0, 2]);
    expect(by['330381']).toEqual([1, 0, 0, 0, 0, 1]);
    expect(by['330383']).toEqual([0, 0, 0, 0, 0, 0]);
    expect(grades.byDistrict[1]).toMatchObject({ districtNameZh: '鹿城区', districtNameEn: 'Lucheng District' });
    expect(grades.total).toEqual({ A: 3, B: 1, C: 1, D: 1, ungraded: 1, total: 7 });
  });

  it('counts publications and removals by Beijing month over the last 12 months', async () => {
    const { blacklistFlow } = (await overview(tokens.reviewer)).json();
    const months = blacklistFlow.map((m: { month: string }) => m.month);
    expect([months.length, months[0], months[11]]).toEqual([12, '2025-04', '2026-03']);
    const flow = Object.fromEntries(
      blacklistFlow.map((m: { month: string; published: number; removed: number; removedBy: object }) => [
        m.month,
        [m.published, m.removed, m.removedBy],
      ]),
    );
    const none = { expired: 0, repaired: 0, revoked: 0 };
    expect(flow['2025-04']).toEqual([1, 0, none]);
    expect(flow['2025-06']).toEqual([2, 0, none]);
    expect(flow['2025-12']).toEqual([0, 1, { ...none, expired: 1 }]);
    expect(flow['2026-01']).toEqual([0, 1, { ...none, repaired: 1 }]);
    expect(flow['2026-02']).toEqual([1, 0, none]);
    expect(flow['2026-03']).toEqual([1, 1, { ...none, revoked: 1 }]);
    expect(flow['2025-05']).toEqual([0, 0, none]);
  });

  it('gives the spot-check pass rate of records in force against the 92 % target', async () => {
    const { spotChecks } = (await overview(tokens.admin)).json();
    expect(spotChecks).toMatchObject({
      target: 0.92,
      from: '2025-03-16',
      to: '2026-03-15',
      overall: { passed: 26, failed: 3, total: 29, rate: 26 / 29, met: false },
    });
    const by = Object.fromEntries(spotChecks.byDistrict.map((d: { districtCode: string }) => [d.districtCode, d]));
    expect(by['330302']).toMatchObject({ passed: 23, failed: 2, total: 25, rate: 0.92, met: true });
    expect(by['330304']).toMatchObject({ passed: 3, failed: 1, total: 4, rate: 0.75, met: false });
    expect(by['330381']).toMatchObject({ passed: 0, failed: 0, total: 0, rate: null, met: false });
  });

  it('moves its 12 months with the clock', async () => {
    clock.set('2026-04-01T04:00:00Z');
    try {
      // Tokens are signed at the clock's time: a new one for the new day.
      const { blacklistFlow, spotChecks } = (await overview(await t.loginAdmin())).json();
      expect(blacklistFlow[0].month).toBe('2025-05');
      expect(blacklistFlow[11].month).toBe('2026-04');
      expect(spotChecks.from).toBe('2025-04-02');
      // The 20 passes of 16 March 2025 and the failure of 15 March have left the window; the
      // pass of 16 March 2026 has entered it.
      expect(spotChecks.overall).toMatchObject({ passed: 7, failed: 3 });
    } finally {
      clock.set('2026-03-15T04:00:00Z');
    }
  });

  it('is for regulators, reviewers and administrators only', async () => {
    expect((await overview()).statusCode).toBe(401);
    for (const role of ['enterprise', 'institution']) {
      const res = await overview(tokens[role]);
      expect([role, res.statusCode, res.headers['content-type']]).toEqual([
        role,
        403,
        'application/problem+json; charset=utf-8',
      ]);
    }
  });
});

import { makeUscc } from '../../../src/common/uscc';
import { createEnterprise, createUser } from '../../helpers/fixtures';
import { InjectResponse, TestApp } from '../../helpers/test-app';

/** Personal and internal data seeded below; no public answer may contain any of it. */
const SECRETS = {
  legalRepresentative: '欧阳修文',
  idNumber: '330302198001011234',
  objection: '异议陈述：我司法定代表人身体原因未能按期整改',
  proposer: 'amr.proposer.secret',
  transitionNote: '内部备注：请勿外传',
  correctionReason: '内部更正原因：抽样编号录入错误',
};

const code = (n: number) => makeUscc('330302', 40_000_000 + n);

describe('public search and enterprise pages', () => {
  let t: TestApp;
  const responses: InjectResponse[] = [];
  /** A public GET, remembered for the personal-data sweep at the end. */
  const get = async (url: string) => {
    const res = await t.request({ method: 'GET', url });
    responses.push(res);
    return res;
  };
  const search = async (q: string, extra = '') => get(`/api/v1/public/enterprises?q=${encodeURIComponent(q)}${extra}`);

  const NAMES: [number, string, string?][] = [
    [1, '温州瓯海阀门有限公司', '330304'],
    [2, '浙江鹿城阀门股份有限公司'],
    [3, '鹿城眼镜有限公司'],
    [4, '温州市鹿城区鹿城鞋业厂'],
    [5, '乐清正泰泵业有限公司'],
    [6, '乐清天正泵业有限公司'],
    [7, '瑞安华兴泵业有限公司'],
    [8, '龙湾永中泵业有限公司'],
    [9, '平阳鳌江泵业厂'],
  ];
  const listed = code(1); // the enterprise with entries and records

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    const admin = await t.loginAdmin();
    for (const [n, name, districtCode] of NAMES) {
      await createEnterprise(t, admin, code(n), {
        name,
        districtCode: districtCode ?? '330302',
        legalRepresentative: SECRETS.legalRepresentative,
        address: `温州市瓯海区娄桥街道 身份证号 ${SECRETS.idNumber}`,
      });
    }
    await createUser(t, admin, {
      username: SECRETS.proposer,
      password: 'proposer-pass-1',
      role: 'regulator',
      departmentCode: 'AMR',
    });
    await createUser(t, admin, {
      username: 'amr.rev.s',
      password: 'reviewer-pass-1',
      role: 'reviewer',
      departmentCode: 'AMR',
    });
    const qts = await createUser(t, admin, {
      username: 'qts.rec.s',
      password: 'recorder-pass-1',
      role: 'regulator',
      departmentCode: 'QTS',
    });

    // Blacklist entries in every state, straight into the table (their lives are tested elsewhere).
    await t.sql(
      `WITH e AS (SELECT id FROM enterprises WHERE uscc = $1),
            p AS (SELECT id FROM users WHERE username = $2),
            r AS (SELECT id FROM users WHERE username = 'amr.rev.s')
       INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months, status,
                                      department_code, proposed_by, proposed_at, objection_deadline, decided_by,
                                      published_at, earliest_repair_date, expires_at, removed_at, removal_reason)
       SELECT e.id, '330304', 'substandard_products', '《市场监督管理严重违法失信名单管理办法》第九条', '事实-' || s.status || coalesce('-' || s.why, ''),
              36, s.status, 'AMR', p.id, now() - interval '400 days',
              CASE WHEN s.status NOT IN ('proposed', 'withdrawn') THEN now() - interval '380 days' END,
              CASE WHEN s.status IN ('approved', 'rejected', 'published', 'removed') THEN r.id END,
              CASE WHEN s.status IN ('published', 'removed') THEN now() - interval '370 days' END,
              CASE WHEN s.status IN ('published', 'removed') THEN current_date - 5 END,
              CASE WHEN s.status IN ('published', 'removed') THEN now() + interval '700 days' END,
              CASE WHEN s.status = 'removed' THEN now() - interval '1 day' END, s.why
         FROM e, p, r,
              (VALUES ('proposed', NULL), ('noticed', NULL), ('approved', NULL), ('rejected', NULL), ('withdrawn', NULL),
                      ('published', NULL), ('removed', 'repaired'), ('removed', 'revoked')) s(status, why)`,
      [listed, SECRETS.proposer],
    );
    await t.sql(
      `INSERT INTO blacklist_objections (entry_id, statement, filed_by, filed_role, filed_at)
       SELECT id, $1, $2, 'enterprise', now() FROM blacklist_entries`,
      [`${SECRETS.objection} ${SECRETS.idNumber}`, SECRETS.proposer],
    );
    await t.sql(
      `INSERT INTO blacklist_transitions (entry_id, action, to_status, actor_type, actor_id, actor_name, actor_role, occurred_at, note)
       SELECT b.id, 'propose', 'proposed', 'user', u.id::text, u.username, 'regulator', now(), $1
         FROM blacklist_entries b, users u WHERE u.username = $2`,
      [`${SECRETS.transitionNote} ${SECRETS.idNumber}`, SECRETS.proposer],
    );

    // Records: disclosed, undisclosed, amended (the first superseded) and withdrawn.
    const record = async (documentNo: string, disclosed: boolean) => {
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/enterprises/${listed}/records`,
        token: qts,
        body: {
          type: 'spot_check_fail',
          occurredOn: '2025-06-10',
          documentNo,
          summary: `摘要-${documentNo}`,
          severity: 'serious',
          disclosed,
        },
      });
      if (res.statusCode !== 201) throw new Error(res.body);
      return res.json().id as string;
    };
    const correct = async (id: string, body: Record<string, unknown>) => {
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/records/${id}/corrections`,
        token: qts,
        body: { reason: `${SECRETS.correctionReason} ${SECRETS.idNumber}`, ...body },
      });
      if (res.statusCode !== 201) throw new Error(res.body);
    };
    await record('DOC-DISCLOSED', true);
    await record('DOC-UNDISCLOSED', false);
    await correct(await record('DOC-AMENDED', true), {
      action: 'amend',
      documentNo: 'DOC-AMENDMENT',
      summary: '摘要-DOC-AMENDMENT',
    });
    await correct(await record('DOC-WITHDRAWN', true), { action: 'withdraw' });
  });
  afterAll(() => t.close());

  const names = (res: InjectResponse) => res.json().items.map((i: { name: string }) => i.name);

  describe('search', () => {
    it('finds a one-character fragment anywhere in the name', async () => {
      const res = await search('瓯');
      expect(res.statusCode).toBe(200);
      expect(names(res)).toEqual(['温州瓯海阀门有限公司']);
      expect(res.json()).toMatchObject({ total: 1, totalCapped: false, page: 1, pageSize: 20 });
      const { grade, ...hit } = res.json().items[0];
      expect(hit).toEqual({
        uscc: listed,
        name: '温州瓯海阀门有限公司',
        districtCode: '330304',
        match: 'name',
        blacklisted: true,
      });
      // The worker's grade, which may not be computed yet: a grade, or null (未评级).
      expect([null, 'A', 'B', 'C', 'D']).toContain(grade);
    });

    it('finds a two-character fragment anywhere in the name', async () => {
      expect(names(await search('阀门')).sort()).toEqual(['温州瓯海阀门有限公司', '浙江鹿城阀门股份有限公司'].sort());
      expect(names(await search('正泰'))).toEqual(['乐清正泰泵业有限公司']);
      expect((await search('阀泵')).json()).toMatchObject({ items: [], total: 0 });
    });

    it('ranks names that start with the query before names that hold it', async () => {
      const res = await search('鹿城');
      expect(res.json().items.map((i: { name: string; match: string }) => [i.name, i.match])).toEqual([
        ['鹿城眼镜有限公司', 'name-prefix'],
        ['浙江鹿城阀门股份有限公司', 'name'],
        ['温州市鹿城区鹿城鞋业厂', 'name'],
      ]);
    });

    it('finds a full code first, and codes by their beginning in any case', async () => {
      const exact = await search(code(5).toLowerCase());
      expect(exact.json().items).toEqual([expect.objectContaining({ uscc: code(5), match: 'code' })]);
      const prefix = await search(code(5).slice(0, 10).toLowerCase());
      const hits = prefix.json().items as { uscc: string; match: string }[];
      expect(hits.length).toBeGreaterThan(1);
      expect(hits.every((h) => h.match === 'code-prefix' && h.uscc.startsWith(code(5).slice(0, 10)))).toBe(true);
      expect(hits.map((h) => h.uscc)).toEqual([...hits.map((h) => h.uscc)].sort());
    });

    it('pages through the matches without repeats', async () => {
      const pages = [];
      for (let page = 1; page <= 3; page++) pages.push((await search('泵业', `&page=${page}&pageSize=2`)).json());
      expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
      expect(pages.every((p) => p.total === 5 && p.pageSize === 2)).toBe(true);
      const all = pages.flatMap((p) => names({ json: () => p } as InjectResponse));
      expect(new Set(all).size).toBe(5);
      expect((await search('泵业', '&page=4&pageSize=2')).json().items).toEqual([]);
    });

    it('refuses an empty, blank or oversized query, and a page past the window, as problem+json', async () => {
      for (const url of [
        '/api/v1/public/enterprises',
        '/api/v1/public/enterprises?q=',
        '/api/v1/public/enterprises?q=%20%20',
        `/api/v1/public/enterprises?q=${encodeURIComponent('阀'.repeat(51))}`,
        '/api/v1/public/enterprises?q=%E9%98%80&pageSize=101',
        '/api/v1/public/enterprises?q=%E9%98%80&page=51&pageSize=20',
      ]) {
        const res = await get(url);
        expect([url, res.statusCode]).toEqual([url, 400]);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('treats LIKE wildcards as text', async () => {
      expect((await search('%')).json()).toMatchObject({ items: [], total: 0 });
      expect((await search('_')).json()).toMatchObject({ items: [], total: 0 });
    });
  });

  describe('enterprise page', () => {
    it('shows only published entries in force and disclosed records in force', async () => {
      const res = await get(`/api/v1/public/enterprises/${listed.toLowerCase()}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        uscc: listed,
        name: '温州瓯海阀门有限公司',
        districtCode: '330304',
        district: { zh: '瓯海区', en: 'Ouhai District' },
        legalRepresentative: '欧阳**',
      });
      expect(body.activeBlacklistEntries).toEqual([
        {
          id: expect.stringMatching(/^\d+$/),
          reasonCode: 'substandard_products',
          reason: { zh: '生产销售不合格产品', en: 'Making or selling substandard products' },
          legalBasis: '《市场监督管理严重违法失信名单管理办法》第九条',
          facts: '事实-published',
          departmentCode: 'AMR',
          department: { zh: '温州市市场监督管理局', en: 'Wenzhou Market Supervision Administration' },
          districtCode: '330304',
          publishedAt: expect.any(String),
          expiresAt: expect.any(String),
          publishedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          listedUntil: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        },
      ]);
      expect(body.disclosedRecords.map((r: { documentNo: string }) => r.documentNo).sort()).toEqual([
        'DOC-AMENDMENT',
        'DOC-DISCLOSED',
      ]);
      expect(body.disclosedRecords[0]).toEqual({
        id: expect.stringMatching(/^\d+$/),
        type: 'spot_check_fail',
        severity: 'serious',
        occurredOn: '2025-06-10',
        documentNo: expect.any(String),
        summary: expect.stringMatching(/^摘要-DOC-/),
        departmentCode: 'QTS',
        department: { zh: '温州市质量技术监督局', en: 'Wenzhou Bureau of Quality and Technical Supervision' },
      });
    });

    it('shows an enterprise with nothing on file, and refuses unknown and malformed codes', async () => {
      expect((await get(`/api/v1/public/enterprises/${code(3)}`)).json()).toMatchObject({
        activeBlacklistEntries: [],
        disclosedRecords: [],
      });
      expect((await get(`/api/v1/public/enterprises/${code(99)}`)).statusCode).toBe(404);
      expect((await get(`/api/v1/public/enterprises/not-a-code`)).statusCode).toBe(400);
    });
  });

  it('never answers with personal or internal data', async () => {
    // Every query above, plus searches that reach every seeded enterprise.
    for (const q of ['有限', '温州', code(1).slice(0, 8), listed]) await search(q);
    const bodies = responses.map((r) => r.body);
    expect(bodies.length).toBeGreaterThan(20);
    for (const secret of [...Object.values(SECRETS), '修文', '娄桥街道']) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
    }
    // Entries in states other than published and in force leave no trace either.
    for (const hidden of ['proposed', 'noticed', 'approved', 'rejected', 'withdrawn', 'removed']) {
      expect(bodies.filter((b) => b.includes(`事实-${hidden}`))).toEqual([]);
    }
    expect(bodies.filter((b) => /DOC-(UNDISCLOSED|WITHDRAWN|AMENDED)/.test(b))).toEqual([]);
  });
});

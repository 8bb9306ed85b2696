import { parse } from 'csv-parse/sync';
import { BlacklistService } from '../../../src/blacklist/blacklist.service';
import { makeUscc } from '../../../src/common/uscc';
import { BlacklistWorld } from '../../helpers/blacklist';
import { TestClock } from '../../helpers/clock';
import { createEnterprise, createUser } from '../../helpers/fixtures';
import { InjectResponse, TestApp } from '../../helpers/test-app';

/** Personal and internal data that must never reach a public answer. */
const SECRETS = {
  legalRepresentative: '欧阳明华',
  objection: '异议陈述：抽检样品来源存疑请求复核XQ17',
  repair: '修复申请：已完成整改并召回问题批次RP42',
  evidence: '整改报告编号EV-9931',
  note: '内部意见：证据链完整可以决定ZN88',
};

/** One enterprise per entry, each ending in a different state. */
const ENTERPRISES = {
  proposed: { district: '330302', name: '温州市待定电器有限公司' },
  noticed: { district: '330302', name: '温州市异议泵业有限公司' },
  approved: { district: '330303', name: '温州市核准鞋业有限公司' },
  rejected: { district: '330303', name: '温州市驳回眼镜有限公司' },
  withdrawn: { district: '330304', name: '温州市撤回锁具有限公司' },
  published: { district: '330302', name: '温州市鹿城阀门有限公司', legalRepresentative: SECRETS.legalRepresentative },
  published2027: { district: '330304', name: '温州市瓯海A&B<阀门>有限公司' },
  expired: { district: '330381', name: '瑞安市期满汽配有限公司' },
  repaired: { district: '330382', name: '乐清市修复电气有限公司' },
  revoked: { district: '330382', name: '乐清市撤销开关有限公司' },
  later: { district: '330302', name: '温州市后发布制笔有限公司' },
} as const;
type State = keyof typeof ENTERPRISES;
const STATES = Object.keys(ENTERPRISES) as State[];
const USCC = Object.fromEntries(STATES.map((s, i) => [s, makeUscc(ENTERPRISES[s].district, 7100 + i)])) as Record<
  State,
  string
>;

describe('public blacklist: list, entry, open data, Atom', () => {
  let t: TestApp;
  let w: BlacklistWorld;
  const clock = new TestClock(new Date('2026-03-02T02:00:00Z')); // Monday 10:00 in Beijing
  const id = {} as Record<State, string>;
  /** Every public answer of the file, searched for personal data at the end. */
  const answers: InjectResponse[] = [];

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await t.request({ method: 'GET', url: `/api/v1/public${url}`, headers });
    answers.push(res);
    return res;
  };

  beforeAll(async () => {
    t = await TestApp.start(__filename, { PUBLIC_RATE_LIMIT: '100000' }, { clock });
    w = await BlacklistWorld.create(t, clock, []);
    const admin = await t.loginAdmin();
    for (const state of STATES) {
      const { district, ...rest } = ENTERPRISES[state];
      await createEnterprise(t, admin, USCC[state], { districtCode: district, ...rest });
      await createUser(t, admin, {
        username: `ent.${USCC[state]}`,
        password: 'enterprise-pass-1',
        role: 'enterprise',
        uscc: USCC[state],
      });
    }

    // 2 March 2026: every entry proposed; all but one given notice; one withdrawn; one objected to.
    for (const state of STATES) {
      id[state] = await w.propose(USCC[state], {
        periodMonths: state === 'expired' ? 1 : 36,
        ...(state === 'published2027' ? { reasonCode: 'counterfeit_products' } : {}),
      });
    }
    await w.expect(200, 'proposer', `/blacklist/${id.withdrawn}/withdrawal`, { note: SECRETS.note });
    for (const state of STATES.filter((s) => !['proposed', 'withdrawn'].includes(s))) {
      await w.expect(200, 'regulator', `/blacklist/${id[state]}/notice`, { note: SECRETS.note });
    }
    await w.expect(201, `enterprise:${USCC.noticed}`, `/blacklist/${id.noticed}/objections`, {
      statement: SECRETS.objection,
    });

    // 20 March 2026, past the objection deadline: decisions, and the first publications.
    clock.set('2026-03-20T02:00:00Z');
    await w.expect(200, 'reviewer', `/blacklist/${id.rejected}/decision`, { outcome: 'rejected', note: SECRETS.note });
    for (const state of ['approved', 'published', 'published2027', 'expired', 'repaired', 'revoked', 'later']) {
      await w.expect(200, 'reviewer', `/blacklist/${id[state as State]}/decision`, {
        outcome: 'approved',
        note: SECRETS.note,
      });
    }
    for (const state of ['published', 'expired', 'repaired', 'revoked'] as const) {
      await w.expect(200, 'reviewer', `/blacklist/${id[state]}/publish`, { note: SECRETS.note });
    }

    // 1 May 2026: the one-month listing has expired; one listing is revoked.
    clock.set('2026-05-01T02:00:00Z');
    await expect(t.app.get(BlacklistService).expireDue()).resolves.toEqual({ removed: 1 });
    await w.expect(200, 'reviewer', `/blacklist/${id.revoked}/revocation`, { note: SECRETS.note });

    // 25 March 2027: a publication in a new year; a listing repaired.
    clock.set('2027-03-25T02:00:00Z');
    await w.expect(200, 'regulator', `/blacklist/${id.published2027}/publish`, {});
    const application = await w.expect(
      201,
      `enterprise:${USCC.repaired}`,
      `/blacklist/${id.repaired}/repair-applications`,
      { statement: SECRETS.repair, evidence: SECRETS.evidence },
    );
    await w.expect(200, 'reviewer', `/blacklist/${id.repaired}/repair-applications/${application.id}/decision`, {
      outcome: 'granted',
      note: SECRETS.note,
    });

    const states = await t.sql<{ id: string; status: string; removal_reason: string | null }>(
      `SELECT id::text, status, removal_reason FROM blacklist_entries ORDER BY id`,
    );
    expect(Object.fromEntries(states.map((s) => [s.id, [s.status, s.removal_reason]]))).toEqual({
      [id.proposed]: ['proposed', null],
      [id.noticed]: ['noticed', null],
      [id.approved]: ['approved', null],
      [id.rejected]: ['rejected', null],
      [id.withdrawn]: ['withdrawn', null],
      [id.published]: ['published', null],
      [id.published2027]: ['published', null],
      [id.expired]: ['removed', 'expired'],
      [id.repaired]: ['removed', 'repaired'],
      [id.revoked]: ['removed', 'revoked'],
      [id.later]: ['approved', null],
    });
  }, 120_000);
  afterAll(() => t.close());

  const ids = (items: { id: string }[]) => items.map((i) => i.id);
  const notPublic = () => STATES.filter((s) => !['published', 'published2027'].includes(s));

  it('lists the published entries only, newest publication first, with public fields only', async () => {
    const res = await get('/blacklist');
    expect(res.statusCode).toBe(200);
    const page = res.json();
    expect(page).toMatchObject({ page: 1, pageSize: 50, total: 2 });
    expect(ids(page.items)).toEqual([id.published2027, id.published]);
    expect(page.items[1]).toEqual({
      id: id.published,
      uscc: USCC.published,
      enterpriseName: '温州市鹿城阀门有限公司',
      district: { code: '330302', nameZh: '鹿城区', nameEn: 'Lucheng District' },
      reason: {
        code: 'substandard_products',
        nameZh: '生产销售不合格产品',
        nameEn: expect.any(String),
      },
      authority: { code: 'AMR', nameZh: '温州市市场监督管理局', nameEn: 'Wenzhou Market Supervision Administration' },
      publishedAt: '2026-03-20T02:00:00.000Z',
      expiresAt: '2029-03-20T16:00:00.000Z',
      // Beijing dates: expiry at 2029-03-21 00:00 Beijing, so the 20th is the last day listed.
      publishedOn: '2026-03-20',
      listedUntil: '2029-03-20',
    });
  });

  it('shows a published entry, and 404 for every other state, a malformed id and an unknown one', async () => {
    const res = await get(`/blacklist/${id.published}`);
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json()).sort()).toEqual(
      [
        'id',
        'uscc',
        'enterpriseName',
        'district',
        'reason',
        'authority',
        'publishedAt',
        'expiresAt',
        'publishedOn',
        'listedUntil',
        'legalBasis',
        'facts',
      ].sort(),
    );
    expect(res.json()).toMatchObject({
      id: id.published,
      legalBasis: '《市场监督管理严重违法失信名单管理办法》第九条',
      facts: '2025年至2026年间三次监督抽查阀门产品密封性能不合格',
      publishedAt: '2026-03-20T02:00:00.000Z',
    });
    for (const state of notPublic()) {
      const hidden = await get(`/blacklist/${id[state]}`);
      expect([state, hidden.statusCode, hidden.headers['content-type']]).toEqual([
        state,
        404,
        'application/problem+json; charset=utf-8',
      ]);
    }
    for (const bad of ['abc', '0', '99999999', '1e3', '12345678901234567890']) {
      expect((await get(`/blacklist/${bad}`)).statusCode).toBe(404);
    }
  });

  it('filters by name fragment, code prefix, district, reason and year, and pages', async () => {
    const items = async (query: string) => {
      const res = await get(`/blacklist?${query}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    expect(ids((await items('q=阀门')).items)).toEqual([id.published2027, id.published]);
    expect(ids((await items(`q=${encodeURIComponent('鹿城')}`)).items)).toEqual([id.published]);
    expect(ids((await items('q=A%26B')).items)).toEqual([id.published2027]);
    expect(ids((await items(`q=${USCC.published.slice(0, 12).toLowerCase()}`)).items)).toEqual([id.published]);
    expect(ids((await items(`q=${USCC.published}`)).items)).toEqual([id.published]);
    // Names of entries not published are found nowhere.
    expect((await items(`q=${encodeURIComponent('修复电气')}`)).total).toBe(0);
    expect((await items(`q=${USCC.repaired}`)).total).toBe(0);
    expect(ids((await items('districtCode=330304')).items)).toEqual([id.published2027]);
    expect((await items('districtCode=330382')).total).toBe(0);
    expect(ids((await items('reasonCode=counterfeit_products')).items)).toEqual([id.published2027]);
    expect(ids((await items('year=2026')).items)).toEqual([id.published]);
    expect(ids((await items('year=2027&districtCode=330304&q=%E9%98%80')).items)).toEqual([id.published2027]);
    expect((await items('year=2025')).total).toBe(0);
    const second = await items('pageSize=1&page=2');
    expect(second).toMatchObject({ page: 2, pageSize: 1, total: 2 });
    expect(ids(second.items)).toEqual([id.published]);
    expect((await items('pageSize=1&page=3')).items).toEqual([]);
  });

  it('refuses bad filters with problem+json naming the field', async () => {
    const cases: [string, string][] = [
      ['districtCode=3303', 'districtCode'],
      ['districtCode=110101', 'districtCode'],
      ['reasonCode=littering', 'reasonCode'],
      ['year=twenty', 'year'],
      ['year=1999', 'year'],
      ['pageSize=501', 'pageSize'],
      ['status=removed', 'status'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/blacklist?${query}`);
      expect([query, res.statusCode, res.headers['content-type']]).toEqual([
        query,
        400,
        'application/problem+json; charset=utf-8',
      ]);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('serves the list as CSV: BOM, bilingual header, the published entries only', async () => {
    const res = await get('/blacklist.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="blacklist.csv"');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows: string[][] = parse(res.rawPayload.subarray(3));
    expect(rows[0]).toEqual([
      '名单编号/id',
      '统一社会信用代码/uscc',
      '企业名称/enterpriseName',
      '行政区划代码/districtCode',
      '行政区划/districtName',
      '列入原因代码/reasonCode',
      '列入原因/reasonNameZh',
      '列入原因（英文）/reasonNameEn',
      '法律依据/legalBasis',
      '违法事实/facts',
      '作出决定机关/authority',
      '列入日期/publishedOn',
      '列入期限至/listedUntil',
    ]);
    expect(rows.slice(1).map((r) => r[0])).toEqual([id.published2027, id.published]);
    expect(rows[1].slice(1, 7)).toEqual([
      USCC.published2027,
      '温州市瓯海A&B<阀门>有限公司',
      '330304',
      '瓯海区',
      'counterfeit_products',
      '制假售假',
    ]);
    expect(rows[2].slice(10)).toEqual(['温州市市场监督管理局', '2026-03-20', '2029-03-20']);
  });

  it('serves the list as a JSON array of the entries the entry route shows', async () => {
    const res = await get('/blacklist.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const entries = res.json();
    expect(ids(entries)).toEqual([id.published2027, id.published]);
    expect(entries[1]).toEqual((await get(`/blacklist/${id.published}`)).json());
  });

  it('feeds publications and removals as Atom: no trace of a repaired listing', async () => {
    const res = await get('/blacklist.atom');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const xml = res.body;
    const entries = [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1]);
    const field = (entry: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(entry)?.[1];
    const events = await t.sql<{ id: string; type: string; entry: string }>(
      `SELECT id::text, type, data->>'entryId' AS entry FROM change_events
        WHERE type LIKE 'blacklist.%' ORDER BY seq DESC`,
    );
    const eventId = (entry: string, type: string) => events.find((e) => e.entry === entry && e.type === type)!.id;
    // Newest first: the 2027 publication, the revocation, the expiry, the 2026 publication.
    expect(entries.map((e) => field(e, 'id'))).toEqual([
      `urn:uuid:${eventId(id.published2027, 'blacklist.published')}`,
      `urn:uuid:${eventId(id.revoked, 'blacklist.removed')}`,
      `urn:uuid:${eventId(id.expired, 'blacklist.removed')}`,
      `urn:uuid:${eventId(id.published, 'blacklist.published')}`,
    ]);
    expect(entries.map((e) => field(e, 'title'))).toEqual([
      '列入产品质量黑名单：温州市瓯海A&amp;B&lt;阀门&gt;有限公司',
      '移出产品质量黑名单（撤销列入）：乐清市撤销开关有限公司',
      '移出产品质量黑名单（列入期满）：瑞安市期满汽配有限公司',
      '列入产品质量黑名单：温州市鹿城阀门有限公司',
    ]);
    expect(entries.map((e) => field(e, 'updated'))).toEqual([
      '2027-03-25T02:00:00.000Z',
      '2026-05-01T02:00:00.000Z',
      '2026-04-20T16:00:00.000Z',
      '2026-03-20T02:00:00.000Z',
    ]);
    // No PUBLIC_URL in the tests: links relative to the site, whatever Host the request names.
    expect(entries[0]).toContain(`<link rel="alternate" type="text/html" href="/blacklist/${id.published2027}"/>`);
    expect(field(entries[3], 'summary')).toContain('于2026-03-20列入产品质量黑名单，列入期限至2029-03-20。');
    expect(field(entries[2], 'summary')).toContain('于2026-04-21移出产品质量黑名单。');
    expect(field(xml, 'updated')).toBe('2027-03-25T02:00:00.000Z');
    // The platform's name and owner (SITE_NAME, SITE_OWNER).
    expect(field(xml, 'title')).toBe('温州市企业质量信用信息公示平台：产品质量黑名单列入与移出');
    expect(xml).toContain('<author><name>温州市市场监督管理局</name></author>');
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">');
    expect(xml).not.toContain(ENTERPRISES.repaired.name);
    expect(xml).not.toContain(USCC.repaired);
    expect(xml).not.toContain(`/blacklist/${id.repaired}"`);
  });

  it('builds the feed links from PUBLIC_URL, or relative to the site, never from the Host header', async () => {
    const forged = await get('/blacklist.atom', { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(forged.statusCode).toBe(200);
    expect(forged.body).not.toContain('evil.example');
    expect(forged.body).toContain(
      '<link rel="self" type="application/atom+xml" href="/api/v1/public/blacklist.atom"/>',
    );
    const site = await t.replica({}, { PUBLIC_URL: 'https://credit.example.gov.cn/' });
    try {
      const res = await site.request({
        method: 'GET',
        url: '/api/v1/public/blacklist.atom',
        headers: { host: 'evil.example' },
      });
      expect(res.body).not.toContain('evil.example');
      expect(res.body).toContain(`href="https://credit.example.gov.cn/blacklist/${id.published2027}"`);
    } finally {
      await site.close();
    }
  });

  it('answers 304 while the list is unchanged, and a new ETag once an entry is published', async () => {
    const csv = await get('/blacklist.csv');
    const json = await get('/blacklist.json');
    const atom = await get('/blacklist.atom');
    const etag = csv.headers.etag as string;
    const lastModified = csv.headers['last-modified'] as string;
    expect(etag).toMatch(/^W\/"csv-[\w-]{22}"$/);
    expect(json.headers.etag).toMatch(/^W\/"json-/);
    expect(atom.headers.etag).toMatch(/^W\/"atom-/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);

    const again = await get('/blacklist.csv', { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect((await get('/blacklist.csv', { 'if-modified-since': lastModified })).statusCode).toBe(304);
    expect((await get('/blacklist.json', { 'if-none-match': json.headers.etag as string })).statusCode).toBe(304);
    expect((await get('/blacklist.atom', { 'if-none-match': atom.headers.etag as string })).statusCode).toBe(304);
    // A tag of another format is another representation.
    expect((await get('/blacklist.json', { 'if-none-match': etag })).statusCode).toBe(200);
    expect(
      (await get('/blacklist.csv', { 'if-none-match': '"csv-stale"', 'if-modified-since': lastModified })).statusCode,
    ).toBe(200);

    await w.expect(200, 'reviewer', `/blacklist/${id.later}/publish`, {});
    const changed = await get('/blacklist.csv', { 'if-none-match': etag });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body).toContain(ENTERPRISES.later.name);
    expect(Date.parse(changed.headers['last-modified'] as string)).toBeGreaterThanOrEqual(Date.parse(lastModified));
    expect((await get('/blacklist.json', { 'if-none-match': json.headers.etag as string })).statusCode).toBe(200);
    const feed = await get('/blacklist.atom', { 'if-none-match': atom.headers.etag as string });
    expect(feed.statusCode).toBe(200);
    expect(feed.body).toContain(`/blacklist/${id.later}"`);
    expect(ids((await get('/blacklist')).json().items)).toEqual([id.later, id.published2027, id.published]);
  });

  it('never lets personal or internal data reach a public answer', async () => {
    // A last round of every route, so the answers searched include each kind.
    for (const url of ['/blacklist', '/blacklist.csv', '/blacklist.json', '/blacklist.atom', '/blacklist?q=阀门']) {
      await get(url);
    }
    for (const state of STATES) await get(`/blacklist/${id[state]}`);
    const forbidden = [
      ...Object.values(SECRETS),
      '明华', // the given name alone
      'amr.proposer',
      'amr.reviewer',
      'amr.other',
      `ent.${USCC.noticed}`,
      '温州市鹿城区工业路1号', // the fixtures' address
    ];
    // They are all there to be found by those allowed to see them.
    const internal = [
      ...(await Promise.all(
        (['noticed', 'withdrawn', 'repaired', 'published'] as const).map((s) =>
          w.call('reviewer', 'GET', `/blacklist/${id[s]}`),
        ),
      )),
      await w.call('admin', 'GET', `/enterprises/${USCC.published}`),
    ]
      .map((r) => r.body)
      .join('\n');
    for (const secret of [...Object.values(SECRETS), 'amr.proposer', '温州市鹿城区工业路1号']) {
      expect([secret, internal.includes(secret)]).toEqual([secret, true]);
    }
    expect(answers.length).toBeGreaterThan(60);
    for (const res of answers) {
      const body = res.rawPayload.toString('utf8');
      for (const secret of forbidden) {
        if (body.includes(secret)) throw new Error(`${res.raw.req.url} answered with "${secret}"`);
      }
    }
    // And none of the entries that are not public, by name or code, anywhere but the Atom removals.
    for (const res of answers.filter((r) => !r.raw.req.url?.includes('.atom'))) {
      const body = res.rawPayload.toString('utf8');
      for (const state of notPublic().filter((s) => s !== 'later')) {
        if (body.includes(ENTERPRISES[state].name) || body.includes(USCC[state])) {
          throw new Error(`${res.raw.req.url} shows the ${state} entry`);
        }
      }
    }
  });

  it('streams a list longer than one read, in order, without a gap or a repeat (ties in time included)', async () => {
    const before = (await get('/blacklist.json')).headers.etag;
    // 1 200 more published entries, three to a microsecond, written straight into the table.
    await t.sql(
      `INSERT INTO blacklist_entries (enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                      status, department_code, proposed_by, proposed_at, objection_deadline,
                                      published_at, earliest_repair_date, expires_at)
       SELECT e.id, e.district_code, 'other_serious_violation', '依据', '事实' || g, 36, 'published', 'AMR', u.id,
              '2025-01-01', '2025-01-15', '2025-02-01'::timestamptz + (g / 3) * interval '1 microsecond',
              '2026-02-01', '2028-02-02'
         FROM generate_series(1, 1200) g, enterprises e, users u
        WHERE e.uscc = $1 AND u.username = 'admin'`,
      [USCC.published],
    );
    const expected = (
      await t.sql<{ id: string }>(
        `SELECT id::text FROM blacklist_entries WHERE status = 'published' ORDER BY published_at DESC, blacklist_entries.id DESC`,
      )
    ).map((r) => r.id);
    expect(expected).toHaveLength(1203);
    const json = await get('/blacklist.json');
    expect(json.headers.etag).not.toBe(before);
    expect(ids(json.json())).toEqual(expected);
    const rows: string[][] = parse((await get('/blacklist.csv')).rawPayload.subarray(3));
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected);
    const page = (await get('/blacklist?page=3&pageSize=500')).json();
    expect(page.total).toBe(1203);
    expect(ids(page.items)).toEqual(expected.slice(1000));
  });
});

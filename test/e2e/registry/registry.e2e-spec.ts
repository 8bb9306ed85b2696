import { CODES, createEnterprise, createUser, enterpriseBody } from '../../helpers/fixtures';
import { TestApp } from '../../helpers/test-app';

describe('enterprise register', () => {
  let t: TestApp;
  let admin: string;
  let regulator: string;
  let reviewer: string;
  let ownEnterprise: string;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    admin = await t.loginAdmin();
    [regulator, reviewer] = await Promise.all([
      createUser(t, admin, {
        username: 'reg-amr',
        password: 'regulator-pass-1',
        role: 'regulator',
        departmentCode: 'AMR',
      }),
      createUser(t, admin, {
        username: 'rev-amr',
        password: 'reviewer-pass-1',
        role: 'reviewer',
        departmentCode: 'AMR',
      }),
    ]);
  });
  afterAll(() => t.close());

  const create = (body: unknown, token = regulator) =>
    t.request({ method: 'POST', url: '/api/v1/enterprises', body, token });
  const count = async () => Number((await t.sql<{ n: string }>('SELECT count(*) AS n FROM enterprises'))[0].n);

  describe('creating', () => {
    it('registers an enterprise and returns its file', async () => {
      const res = await create(enterpriseBody(CODES.wenzhouLike));
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        uscc: CODES.wenzhouLike,
        name: '温州市鹿城阀门有限公司',
        districtCode: '330302',
        industryCode: 'C3443',
        registeredOn: '2008-05-16',
        status: 'active',
        grade: null,
      });
    });

    it('normalises a lower-case code with spaces', async () => {
      const res = await create(
        enterpriseBody(`  ${CODES.shenzhen.toLowerCase()} `, { name: '深圳测试电子有限公司', districtCode: '330381' }),
        admin,
      );
      expect(res.statusCode).toBe(201);
      expect(res.json().uscc).toBe(CODES.shenzhen);
    });

    it('refuses a second registration of the same code with 409, in any spelling', async () => {
      const before = await count();
      const res = await create(enterpriseBody(CODES.wenzhouLike.toLowerCase()));
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 409, type: expect.stringContaining('duplicate-enterprise') });
      expect(await count()).toBe(before);
    });

    it.each([
      ['a wrong check character', '91330100799655058C', 'check character'],
      ['a letter outside the alphabet', '91330100799655O58B', 'is not allowed'],
      ['a wrong length', '9133010079965505', 'must be 18 characters long, not 16'],
      ['a wrong organisation-code digit', '91330100799655059B', 'organisation code'],
    ])('rejects %s with 400 naming uscc', async (_, uscc, message) => {
      const before = await count();
      const res = await create(enterpriseBody(uscc));
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors).toEqual([{ field: 'uscc', message: expect.stringContaining(message) }]);
      expect(await count()).toBe(before);
    });

    it('lists every bad field at once, unknown fields included', async () => {
      const res = await create({
        uscc: 123,
        name: '',
        districtCode: '33',
        industryCode: 'Z99',
        registeredOn: '2023-02-30',
        legalRepresentative: 'x'.repeat(101),
        colour: 'red',
      });
      expect(res.statusCode).toBe(400);
      const fields = res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort();
      expect(fields).toEqual([
        'colour',
        'districtCode',
        'industryCode',
        'legalRepresentative',
        'name',
        'registeredOn',
        'uscc',
      ]);
      expect(res.json().errors).toContainEqual({ field: 'colour', message: 'is not a known field' });
    });

    it('requires uscc, name and districtCode', async () => {
      const res = await create({});
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['districtCode', 'name', 'uscc']);
    });

    it('rejects a district that does not exist', async () => {
      const res = await create(enterpriseBody(CODES.beijing, { districtCode: '110101' }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'districtCode', message: 'district 110101 does not exist' }]);
    });

    it('rejects a registration date in the future', async () => {
      const res = await create(enterpriseBody(CODES.beijing, { registeredOn: '2999-01-01' }));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'registeredOn', message: 'must not be in the future' }]);
    });

    it('rejects a body that is not JSON with a problem', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/enterprises', token: regulator, body: '{"uscc":' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().detail).toContain('not valid JSON');
    });

    it('needs a login (401) and a writing role (403)', async () => {
      const anonymous = await t.request({
        method: 'POST',
        url: '/api/v1/enterprises',
        body: enterpriseBody(CODES.beijing),
      });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().type).toContain('unauthorized');
      const forged = await create(enterpriseBody(CODES.beijing), `${regulator.slice(0, -4)}AAAA`);
      expect(forged.statusCode).toBe(401);
      expect((await create(enterpriseBody(CODES.beijing), reviewer)).statusCode).toBe(403);
      expect(await t.sql(`SELECT 1 FROM enterprises WHERE uscc = $1`, [CODES.beijing])).toEqual([]);
    });
  });

  describe('reading and searching', () => {
    beforeAll(async () => {
      await createEnterprise(t, regulator, CODES.beijing, { name: '北京测试食品有限公司', districtCode: '330303' });
      ownEnterprise = await createUser(t, admin, {
        username: 'ent-bj',
        password: 'enterprise-pass-1',
        role: 'enterprise',
        uscc: CODES.beijing,
      });
    });

    it('reads a file by code, in any case', async () => {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.wenzhouLike.toLowerCase()}`,
        token: reviewer,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ uscc: CODES.wenzhouLike, legalRepresentative: '张三' });
    });

    it('answers 404 for an unknown enterprise and 400 for a malformed code', async () => {
      const unknown = await t.request({ method: 'GET', url: '/api/v1/enterprises/91330000MA2CFL5Y9Q', token: admin });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().detail).toBe('Enterprise 91330000MA2CFL5Y9Q does not exist');
      const malformed = await t.request({ method: 'GET', url: '/api/v1/enterprises/abc', token: admin });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().errors[0].field).toBe('uscc');
    });

    it('lets an enterprise read its own file and no other, and register nothing', async () => {
      expect((await create(enterpriseBody(CODES.beijing), ownEnterprise)).statusCode).toBe(403);
      const own = await t.request({ method: 'GET', url: `/api/v1/enterprises/${CODES.beijing}`, token: ownEnterprise });
      expect(own.statusCode).toBe(200);
      expect(own.json().name).toBe('北京测试食品有限公司');
      const other = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${CODES.wenzhouLike}`,
        token: ownEnterprise,
      });
      expect(other.statusCode).toBe(403);
      const list = await t.request({ method: 'GET', url: '/api/v1/enterprises', token: ownEnterprise });
      expect(list.statusCode).toBe(403);
    });

    it('searches by a name fragment of one or more characters', async () => {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises?q=${encodeURIComponent('阀')}`,
        token: regulator,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ page: 1, pageSize: 50, total: 1 });
      expect(res.json().items.map((e: { uscc: string }) => e.uscc)).toEqual([CODES.wenzhouLike]);
    });

    it('searches by the start of a credit code, case-insensitively', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/enterprises?q=9111000080', token: regulator });
      expect(res.json().items.map((e: { uscc: string }) => e.uscc)).toEqual([CODES.beijing]);
      const lower = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises?q=${CODES.shenzhen.toLowerCase()}`,
        token: regulator,
      });
      expect(lower.json().items.map((e: { uscc: string }) => e.uscc)).toEqual([CODES.shenzhen]);
    });

    it('treats LIKE wildcards in q as plain text', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/enterprises?q=%25', token: regulator });
      expect(res.json()).toMatchObject({ total: 0, items: [] });
    });

    it('filters by district and pages through the results', async () => {
      const district = await t.request({ method: 'GET', url: '/api/v1/enterprises?districtCode=330303', token: admin });
      expect(district.json().items.map((e: { uscc: string }) => e.uscc)).toEqual([CODES.beijing]);
      const page1 = await t.request({ method: 'GET', url: '/api/v1/enterprises?pageSize=2&page=1', token: admin });
      const page2 = await t.request({ method: 'GET', url: '/api/v1/enterprises?pageSize=2&page=2', token: admin });
      expect(page1.json()).toMatchObject({ total: 3, page: 1, pageSize: 2 });
      expect(page1.json().items).toHaveLength(2);
      expect(page2.json().items).toHaveLength(1);
      const all = [...page1.json().items, ...page2.json().items].map((e: { uscc: string }) => e.uscc);
      expect(new Set(all).size).toBe(3);
    });

    it('rejects bad paging and unknown query parameters', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/v1/enterprises?pageSize=501&page=0&colour=red',
        token: admin,
      });
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['colour', 'page', 'pageSize']);
    });
  });

  describe('changing', () => {
    const patch = (uscc: string, body: unknown, token = regulator) =>
      t.request({ method: 'PATCH', url: `/api/v1/enterprises/${uscc}`, body, token });

    it('changes name, address, legal representative and status', async () => {
      const res = await patch(CODES.wenzhouLike, {
        name: '温州市鹿城新阀门有限公司',
        address: null,
        legalRepresentative: '李四',
        status: 'suspended',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        name: '温州市鹿城新阀门有限公司',
        address: null,
        legalRepresentative: '李四',
        status: 'suspended',
      });
      const [row] = await t.sql(`SELECT name, address, status FROM enterprises WHERE uscc = $1`, [CODES.wenzhouLike]);
      expect(row).toEqual({ name: '温州市鹿城新阀门有限公司', address: null, status: 'suspended' });
    });

    it('refuses fields that may not change, bad values and empty changes', async () => {
      const fixed = await patch(CODES.wenzhouLike, { uscc: CODES.beijing, districtCode: '330303' });
      expect(fixed.statusCode).toBe(400);
      expect(
        fixed
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['districtCode', 'uscc']);
      const bad = await patch(CODES.wenzhouLike, { status: 'closed', name: '' });
      expect(
        bad
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
      ).toEqual(['name', 'status']);
      const empty = await patch(CODES.wenzhouLike, {});
      expect(empty.statusCode).toBe(400);
      const [row] = await t.sql(`SELECT name, status FROM enterprises WHERE uscc = $1`, [CODES.wenzhouLike]);
      expect(row).toEqual({ name: '温州市鹿城新阀门有限公司', status: 'suspended' });
    });

    it('is 404 for an unknown enterprise and 403 for a reviewer or the enterprise itself', async () => {
      expect((await patch('91330000MA2CFL5Y9Q', { name: 'x' })).statusCode).toBe(404);
      expect((await patch(CODES.beijing, { name: 'x' }, reviewer)).statusCode).toBe(403);
      expect((await patch(CODES.beijing, { name: 'x' }, ownEnterprise)).statusCode).toBe(403);
      expect(
        (await t.request({ method: 'PATCH', url: `/api/v1/enterprises/${CODES.beijing}`, body: { name: 'x' } }))
          .statusCode,
      ).toBe(401);
    });
  });

  describe('reference data', () => {
    it('lists the districts and departments to anyone', async () => {
      const districts = await t.request({ method: 'GET', url: '/api/v1/districts' });
      expect(districts.json()).toHaveLength(13);
      expect(districts.json()).toContainEqual({ code: '330302', nameZh: '鹿城区', nameEn: 'Lucheng District' });
      const departments = await t.request({ method: 'GET', url: '/api/v1/departments' });
      expect(departments.json()).toHaveLength(10);
      expect(departments.json()).toContainEqual({
        code: 'PBOC',
        nameZh: '中国人民银行温州市中心支行',
        nameEn: "People's Bank of China Wenzhou Central Sub-branch",
        kind: 'finance',
        successorCode: null,
        mergedAt: null,
      });
    });
  });
});

import type { TestApp } from './test-app';

/** Real codes (from python-stdnum's tests) that pass both check characters. */
export const CODES = {
  wenzhouLike: '91330100799655058B',
  beijing: '91110000802100433B',
  shenzhen: '91440300708461136T',
};

export const enterpriseBody = (uscc: string, overrides: Record<string, unknown> = {}) => ({
  uscc,
  name: '温州市鹿城阀门有限公司',
  districtCode: '330302',
  industryCode: 'C3443',
  legalRepresentative: '张三',
  address: '温州市鹿城区工业路1号',
  registeredOn: '2008-05-16',
  ...overrides,
});

export interface NewUser {
  username: string;
  password: string;
  role: string;
  departmentCode?: string;
  districtCode?: string;
  institutionId?: string;
  uscc?: string;
}

/** Creates a user through the API as the administrator and logs them in. */
export async function createUser(t: TestApp, adminToken: string, user: NewUser): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/v1/users', token: adminToken, body: user });
  if (res.statusCode !== 201) throw new Error(`creating ${user.username}: ${res.statusCode} ${res.body}`);
  return t.login(user.username, user.password);
}

/** The two bodies of one `record.retracted` event: a disclosed penalty recorded, then its withdrawal. */
export const RETRACTION = {
  penalty: (documentNo: string) => ({
    type: 'administrative_penalty',
    occurredOn: '2026-03-10',
    documentNo,
    summary: '行政处罚：生产不合格阀门',
    severity: 'serious',
    disclosed: true,
  }),
  withdrawal: { action: 'withdraw', reason: '处罚决定已撤销' },
};

export async function createEnterprise(
  t: TestApp,
  token: string,
  uscc: string,
  overrides: Record<string, unknown> = {},
) {
  const res = await t.request({
    method: 'POST',
    url: '/api/v1/enterprises',
    token,
    body: enterpriseBody(uscc, overrides),
  });
  if (res.statusCode !== 201) throw new Error(`creating ${uscc}: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** An institution with one API key holding `scopes`; returns the key and ids. */
export async function createKey(
  t: TestApp,
  adminToken: string,
  scopes: string[],
  institution = { name: '温州银行', kind: 'bank', departmentCode: 'PBOC' },
  rateLimitPerMinute?: number,
): Promise<{ key: string; keyId: string; institutionId: string }> {
  let institutionId: string;
  const created = await t.request({
    method: 'POST',
    url: '/api/v1/institutions',
    token: adminToken,
    body: institution,
  });
  if (created.statusCode === 201) {
    institutionId = created.json().id;
  } else {
    const list = await t.request({ method: 'GET', url: '/api/v1/institutions', token: adminToken });
    institutionId = list.json().find((i: { name: string }) => i.name === institution.name).id;
  }
  const res = await t.request({
    method: 'POST',
    url: `/api/v1/institutions/${institutionId}/api-keys`,
    token: adminToken,
    body: { scopes, ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`creating key: ${res.statusCode} ${res.body}`);
  return { key: res.json().key, keyId: res.json().id, institutionId };
}

/** An enterprise to register: its code, or its code and the fields that differ from `enterpriseBody`'s. */
export type NewEnterprise = string | [uscc: string, overrides: Record<string, unknown>];

/**
 * What most files start from, through the API: the administrator signed in, `enterprises`
 * registered in order, then a regulator (of QTS unless `regulator.departmentCode` names another)
 * created and signed in. Returns both bearer tokens.
 */
export async function adminAndRegulator(
  t: TestApp,
  regulator: Omit<NewUser, 'role' | 'departmentCode'> & { departmentCode?: string },
  enterprises: NewEnterprise[] = [],
): Promise<{ admin: string; regulator: string }> {
  const admin = await t.loginAdmin();
  for (const e of enterprises) {
    const [uscc, overrides] = typeof e === 'string' ? [e, {}] : e;
    await createEnterprise(t, admin, uscc, overrides);
  }
  const token = await createUser(t, admin, { role: 'regulator', departmentCode: 'QTS', ...regulator });
  return { admin, regulator: token };
}

/** A proposal's reason, legal basis and facts, for the blacklist tests of every tier. */
export const PROPOSAL = {
  reasonCode: 'substandard_products',
  legalBasis: '《市场监督管理严重违法失信名单管理办法》第九条',
  facts: '2025年至2026年间三次监督抽查阀门产品密封性能不合格',
} as const;

import { TokenService } from '../../src/identity/token.service';
import { TestClock } from './clock';
import { createEnterprise, createUser, PROPOSAL } from './fixtures';
import { InjectResponse, TestApp } from './test-app';

export const BLACKLIST_USERS = {
  proposer: { username: 'amr.proposer', role: 'regulator', departmentCode: 'AMR' },
  regulator: { username: 'amr.other', role: 'regulator', departmentCode: 'AMR' },
  reviewer: { username: 'amr.reviewer', role: 'reviewer', departmentCode: 'AMR' },
  ouhai: { username: 'ouhai.regulator', role: 'regulator', departmentCode: 'AMR', districtCode: '330304' },
  admin: { username: 'admin' },
} as const;
export type BlacklistUser = keyof typeof BLACKLIST_USERS | `enterprise:${string}`;

export { PROPOSAL };

/**
 * The people of the blacklist tests: regulators and a reviewer of AMR, a district-level
 * regulator of Ouhai, and a user for each enterprise. Tokens are signed at the test clock's
 * time on each call, so moving the clock by years never leaves a caller with an expired one.
 */
export class BlacklistWorld {
  private constructor(
    readonly t: TestApp,
    readonly clock: TestClock,
  ) {}

  static async create(t: TestApp, clock: TestClock, usccs: string[]): Promise<BlacklistWorld> {
    const admin = await t.loginAdmin();
    for (const uscc of usccs) {
      await createEnterprise(t, admin, uscc);
      await createUser(t, admin, { username: `ent.${uscc}`, password: 'enterprise-pass-1', role: 'enterprise', uscc });
    }
    for (const user of Object.values(BLACKLIST_USERS)) {
      if (user.username !== 'admin') await createUser(t, admin, { ...user, password: 'blacklist-pass-1' });
    }
    return new BlacklistWorld(t, clock);
  }

  async token(who: BlacklistUser): Promise<string> {
    const username = who.startsWith('enterprise:')
      ? `ent.${who.slice('enterprise:'.length)}`
      : BLACKLIST_USERS[who as keyof typeof BLACKLIST_USERS].username;
    const [user] = await this.t.sql<Record<string, string | null>>(
      `SELECT id::text, username, role, department_code, district_code, institution_id::text, uscc,
              token_version::text
         FROM users WHERE username = $1`,
      [username],
    );
    return this.t.app.get(TokenService).sign(
      {
        userId: user.id!,
        username: user.username!,
        role: user.role as 'regulator',
        departmentCode: user.department_code,
        districtCode: user.district_code,
        institutionId: user.institution_id,
        uscc: user.uscc,
      },
      Number(user.token_version),
    );
  }

  async call(who: BlacklistUser, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) {
    return this.t.request({ method, url: `/api/v1${url}`, token: await this.token(who), body });
  }

  /** POSTs a move and expects `status`; returns the body. */
  async expect(status: number, who: BlacklistUser, url: string, body: unknown = {}) {
    const res = await this.call(who, 'POST', url, body);
    if (res.statusCode !== status) throw new Error(`POST ${url} as ${who}: ${res.statusCode} ${res.body}`);
    return res.json();
  }

  async propose(uscc: string, extra: Record<string, unknown> = {}): Promise<string> {
    return (await this.expect(201, 'proposer', '/blacklist', { uscc, ...PROPOSAL, ...extra })).id;
  }

  async entry(id: string, who: BlacklistUser = 'reviewer') {
    return (await this.call(who, 'GET', `/blacklist/${id}`)).json();
  }

  events(uscc: string) {
    return this.t.sql<{ type: string; data: Record<string, unknown> }>(
      `SELECT type, data FROM change_events WHERE uscc = $1 AND type LIKE 'blacklist.%' ORDER BY seq`,
      [uscc],
    );
  }

  /** Polls the grade until it is `grade` (the worker regrades within about a second). */
  async grade(uscc: string, grade: string): Promise<void> {
    let last: InjectResponse | undefined;
    for (const started = Date.now(); Date.now() - started < 15_000;) {
      last = await this.call('admin', 'GET', `/enterprises/${uscc}/classification`);
      if (last.statusCode === 200 && last.json().grade === grade) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${uscc} did not reach grade ${grade}: ${last?.statusCode} ${last?.body}`);
  }
}

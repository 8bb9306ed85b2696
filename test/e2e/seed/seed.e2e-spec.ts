import { Client } from 'pg';
import { MOVES, STATUSES, Status } from '../../../src/blacklist/blacklist-states';
import {
  earliestRepairDate,
  listingExpiry,
  objectionDeadline,
  startOfBeijingDay,
  addDays,
} from '../../../src/common/calendar-days';
import { REFORMS } from '../../../src/cli/seed/reference-data';
import { COUNTED_TABLES, DEMO_AS_OF, seedDemo, SeedSummary } from '../../../src/cli/seed/main';
import { checkUscc } from '../../../src/common/uscc';
import { RECORD_TYPES } from '../../../src/records/record-rules';
import { cloneTemplate, dropDatabase, testDatabaseUrl, uniqueName } from '../../helpers/databases';
import { TestApp } from '../../helpers/test-app';

const ENTERPRISES = 300;

/**
 * Digests of the seeded enterprises and records, to compare two seeds (events in their order,
 * without their numbers: regradings interleave their own).
 */
const DIGESTS = `
  SELECT (SELECT md5(string_agg(concat_ws('|', uscc, name, district_code, industry_code, legal_representative,
                                          address, registered_on, status), E'\\n' ORDER BY id))
            FROM enterprises) AS enterprises,
         (SELECT md5(string_agg(concat_ws('|', r.id, e.uscc, r.type, r.severity, r.occurred_on, r.document_no,
                                          r.summary, r.hotline, r.handled_by, r.disclosed, r.department_code,
                                          r.supersedes_id, r.correction, r.correction_reason), E'\\n' ORDER BY r.id))
            FROM credit_records r JOIN enterprises e ON e.id = r.enterprise_id) AS records,
         (SELECT md5(string_agg(concat_ws('|', b.id, e.uscc, b.district_code, b.reason_code, b.legal_basis, b.facts,
                                          b.period_months, b.status, b.department_code, p.username, b.proposed_at,
                                          b.noticed_at, b.objection_deadline, d.username, b.decided_at, b.published_at,
                                          b.earliest_repair_date, b.expires_at, b.removed_at, b.removal_reason),
                                E'\\n' ORDER BY b.id))
            FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id JOIN users p ON p.id = b.proposed_by
            LEFT JOIN users d ON d.id = b.decided_by) AS blacklist,
         (SELECT md5(string_agg(concat_ws('|', id, entry_id, action, from_status, to_status, outcome, actor_type,
                                          actor_name, actor_role, occurred_at, note, document_ref, objection_id,
                                          repair_application_id), E'\\n' ORDER BY id))
            FROM blacklist_transitions) AS transitions,
         (SELECT md5(string_agg(concat_ws('|', id, entry_id, statement, filed_by, filed_role, filed_at, outcome, note,
                                          decided_by, decided_at), E'\\n' ORDER BY id))
            FROM blacklist_objections) AS objections,
         (SELECT md5(string_agg(concat_ws('|', id, entry_id, statement, evidence, filed_by, filed_role, filed_at,
                                          outcome, note, decided_by, decided_at), E'\\n' ORDER BY id))
            FROM blacklist_repair_applications) AS repairs,
         (SELECT md5(string_agg(concat_ws('|', type, uscc, occurred_at, data), E'\\n' ORDER BY seq))
            FROM change_events WHERE type LIKE 'blacklist.%') AS events`;

interface EntryRow {
  id: string;
  uscc: string;
  status: Status;
  proposer: string;
  decider: string | null;
  decider_role: string | null;
  period_months: number;
  noticed_at: Date | null;
  objection_deadline: Date | null;
  decided_at: Date | null;
  published_at: Date | null;
  earliest_repair_date: string | null;
  expires_at: Date | null;
  removed_at: Date | null;
  removal_reason: string | null;
}

interface TransitionRow {
  entry_id: string;
  action: keyof typeof MOVES | 'propose';
  from_status: Status | null;
  to_status: Status;
  outcome: string | null;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  actor_role: string;
  occurred_at: Date;
  objection_id: string | null;
  repair_application_id: string | null;
}

interface FilingRow {
  entry_id: string;
  kind: 'objection' | 'repair';
  outcome: string | null;
}

describe('npm run seed:demo', () => {
  let t: TestApp;
  let summary: SeedSummary;
  const output: string[] = [];

  const count = async (table: string) =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const demoLogin = (username: string) => {
    const login = summary.logins.find((l) => l.username === username);
    if (!login) throw new Error(`no demo login ${username}`);
    return t.login(login.username, login.password);
  };
  /** The seed's services queue their regradings under the test's Redis prefix, not the default one. */
  const seedEnv = (url: string) => ({
    DATABASE_URL: url,
    REDIS_URL: t.config.REDIS_URL,
    REDIS_PREFIX: t.config.REDIS_PREFIX,
  });
  /** The key printed after `X-API-Key:`. */
  const printedKey = (lines: string[]) => {
    const line = lines.find((l) => l.trim().startsWith('X-API-Key: '));
    if (!line) throw new Error(`no API key printed:\n${lines.join('\n')}`);
    return line.trim().slice('X-API-Key: '.length);
  };
  /** The key answers the lookup, the batch, the feed and the webhooks (one route of each scope). */
  const expectEveryScope = async (key: string) => {
    const uscc = await enterpriseUscc();
    const headers = { 'x-api-key': key };
    const answers = await Promise.all([
      t.request({ method: 'GET', url: `/api/v1/credit-status/${uscc}?purpose=loan_review`, headers }),
      t.request({
        method: 'POST',
        url: '/api/v1/credit-status/batch',
        headers,
        body: { purpose: 'loan_review', usccs: [uscc] },
      }),
      t.request({ method: 'GET', url: '/api/v1/feed?limit=1', headers }),
      t.request({ method: 'GET', url: '/api/v1/webhooks', headers }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(answers[0].json()).toMatchObject({ uscc });
  };
  const enterpriseUscc = async () =>
    (await t.sql<{ uscc: string }>(`SELECT uscc FROM users WHERE username = 'demo.enterprise'`))[0].uscc;

  beforeAll(async () => {
    t = await TestApp.start(__filename);
    summary = await seedDemo(seedEnv(t.config.DATABASE_URL), (line) => output.push(line), {
      enterprises: ENTERPRISES,
    });
  });
  afterAll(() => t.close());

  it('reports what it added, with row counts and the demo logins', async () => {
    expect(summary.seeded).toBe(true);
    expect(summary.counts.enterprises).toBe(ENTERPRISES);
    expect(summary.counts.credit_records).toBe(await count('credit_records'));
    expect(output[0]).toMatch(
      /^seed:demo: added 300 enterprises, \d+ records, \d+ corrections, 6 users and \d+ blacklist entries/,
    );
    expect(output.join('\n')).toMatch(/credit_records\s+\d+/);
  });

  it('lets every demo user log in with the printed password, in the right role', async () => {
    const expected: Record<string, string> = {
      'demo.admin': 'admin',
      'demo.regulator': 'regulator',
      'demo.regulator.lucheng': 'regulator',
      'demo.reviewer': 'reviewer',
      'demo.institution': 'institution',
      'demo.enterprise': 'enterprise',
    };
    expect(summary.logins.map((l) => l.username).sort()).toEqual(Object.keys(expected).sort());
    for (const { username, password } of summary.logins) {
      expect(password.length).toBeGreaterThanOrEqual(12);
      const printed = output.find((line) => line.trim().startsWith(`${username} `));
      expect(printed?.split(/\s+/)).toContain(password);
      const res = await t.request({ method: 'POST', url: '/api/v1/auth/login', body: { username, password } });
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ username, role: expected[username] });
    }
    const bindings = await t.sql(
      `SELECT u.username, u.department_code, u.district_code, u.uscc, i.name AS institution, i.kind
         FROM users u LEFT JOIN institutions i ON i.id = u.institution_id ORDER BY u.username`,
    );
    expect(bindings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ username: 'demo.regulator', department_code: 'AMR', district_code: null }),
        expect.objectContaining({
          username: 'demo.regulator.lucheng',
          department_code: 'AMR',
          district_code: '330302',
        }),
        expect.objectContaining({ username: 'demo.reviewer', department_code: 'AMR' }),
        expect.objectContaining({ username: 'demo.institution', kind: 'bank' }),
        expect.objectContaining({ username: 'demo.enterprise', uscc: expect.any(String) }),
      ]),
    );
    expect(await t.sql(`SELECT kind, department_code FROM institutions ORDER BY kind`)).toEqual([
      { kind: 'bank', department_code: 'PBOC' },
      { kind: 'tax', department_code: 'TAX' },
    ]);
    expect(await t.sql(`SELECT name FROM institutions WHERE kind = 'tax'`)).toEqual([
      { name: '国家税务总局温州市鹿城区税务局' },
    ]);
  });

  it('records the 2018–2019 reforms as mergers: the old bureaus keep their rows, with their successors', async () => {
    const rows = await t.sql<{ code: string; successor_code: string | null }>(
      `SELECT code, successor_code FROM departments WHERE code = ANY($1) ORDER BY code`,
      [REFORMS.flatMap((r) => [r.code, r.successor])],
    );
    const successors = new Map(REFORMS.map((r) => [r.code, r.successor]));
    expect(rows).toEqual(
      [...new Set(REFORMS.flatMap((r) => [r.code, r.successor]))]
        .sort()
        .map((code) => ({ code, successor_code: successors.get(code) ?? null })),
    );
    expect(
      await t.sql(
        `SELECT code, name_zh FROM departments WHERE code IN ('CUSTOMS', 'TAX', 'ECO', 'HURD', 'CRT') ORDER BY code`,
      ),
    ).toEqual([
      { code: 'CRT', name_zh: '温州市文化广电旅游局' },
      { code: 'CUSTOMS', name_zh: '温州海关' },
      { code: 'ECO', name_zh: '温州市生态环境局' },
      { code: 'HURD', name_zh: '温州市住房和城乡建设局' },
      { code: 'TAX', name_zh: '国家税务总局温州市税务局' },
    ]);
    expect(await t.sql(`SELECT name_zh FROM districts WHERE code = '330300'`)).toEqual([{ name_zh: '市本级' }]);
  });

  it('names a record’s department as it was on the record’s date: old names before the reforms only', async () => {
    const rows = await t.sql<{ code: string; before: number; after: number }>(
      `SELECT r.department_code AS code,
              count(*) FILTER (WHERE r.occurred_on < x.since)::int AS before,
              count(*) FILTER (WHERE r.occurred_on >= x.since)::int AS after
         FROM credit_records r
         JOIN unnest($1::text[], $2::date[]) AS x (code, since) ON x.code = r.department_code
        GROUP BY 1 ORDER BY 1`,
      [REFORMS.flatMap((r) => [r.code, r.successor]), REFORMS.flatMap((r) => [r.on, r.on])],
    );
    const count = (code: string) => rows.find((r) => r.code === code) ?? { code, before: 0, after: 0 };
    for (const reform of REFORMS) {
      // No old name after its reform; the successor named only from it on (where it had one predecessor).
      expect(count(reform.code)).toMatchObject({ after: 0 });
      if (REFORMS.filter((r) => r.successor === reform.successor).length === 1) {
        expect(count(reform.successor)).toMatchObject({ before: 0 });
      }
    }
    // The old names are there, on the older records: quality supervision, inspection, environment…
    for (const code of ['QTS', 'CIQ', 'EPB', 'HUD', 'TOUR']) expect(count(code).before).toBeGreaterThan(0);
    for (const code of ['AMR', 'CUSTOMS', 'ECO', 'HURD', 'CRT']) expect(count(code).after).toBeGreaterThan(0);
    // The 12365 quality hotline (handled by QTS) joined 12315 with the reform: no complaint after it.
    const late = await t.sql(
      `SELECT id FROM credit_records WHERE occurred_on >= DATE '2019-01-01' AND (hotline = '12365' OR handled_by = 'QTS')`,
    );
    expect(late).toEqual([]);
    const early = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM credit_records WHERE occurred_on < DATE '2019-01-01' AND hotline = '12365'`,
    );
    expect(early[0].n).toBeGreaterThan(0);
  });

  it('gives every enterprise a credit code that passes both checks', async () => {
    const rows = await t.sql<{ uscc: string; district_code: string }>(`SELECT uscc, district_code FROM enterprises`);
    expect(rows).toHaveLength(ENTERPRISES);
    const invalid = rows.filter((r) => !checkUscc(r.uscc).valid || r.uscc.slice(2, 8) !== r.district_code);
    expect(invalid).toEqual([]);
  });

  it('spreads enterprises over every district', async () => {
    const empty = await t.sql(
      `SELECT d.code FROM districts d WHERE NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.district_code = d.code)`,
    );
    expect(empty).toEqual([]);
  });

  it('records every type, about three per enterprise, within each enterprise’s life', async () => {
    const types = await t.sql<{ type: string }>(`SELECT DISTINCT type FROM credit_records ORDER BY type`);
    expect(types.map((r) => r.type)).toEqual([...RECORD_TYPES].sort());
    const originals = Number(
      (await t.sql<{ n: string }>(`SELECT count(*) AS n FROM credit_records WHERE supersedes_id IS NULL`))[0].n,
    );
    expect(originals / ENTERPRISES).toBeGreaterThan(2.5);
    expect(originals / ENTERPRISES).toBeLessThan(3.5);
    const outOfTime = await t.sql(
      `SELECT r.id FROM credit_records r JOIN enterprises e ON e.id = r.enterprise_id
        WHERE r.occurred_on < e.registered_on OR r.occurred_on > current_date`,
    );
    expect(outOfTime).toEqual([]);
  });

  it('follows the record rules: hotlines, handlers, disclosure defaults, regulator departments', async () => {
    const wrong = await t.sql(
      `SELECT r.id FROM credit_records r LEFT JOIN hotlines h ON h.number = r.hotline
        WHERE (r.type = 'complaint_substantiated') <> (r.hotline IS NOT NULL)
           OR r.handled_by IS DISTINCT FROM h.handled_by
           OR r.disclosed <> (r.type NOT IN ('spot_check_pass', 'complaint_substantiated', 'certification'))
           OR r.department_code NOT IN ('QTS', 'AMR', 'EPB', 'ECO', 'HUD', 'HURD', 'TOUR', 'CRT', 'CIQ', 'CUSTOMS')`,
    );
    expect(wrong).toEqual([]);
    const corrections = await t.sql<{ correction: string }>(
      `SELECT DISTINCT correction FROM credit_records WHERE supersedes_id IS NOT NULL ORDER BY correction`,
    );
    expect(corrections.map((c) => c.correction)).toEqual(['amend', 'withdraw']);
  });

  it('lets the enterprise user read its own file and records, and nobody else’s', async () => {
    const uscc = await enterpriseUscc();
    const token = await demoLogin('demo.enterprise');
    const file = await t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}`, token });
    expect(file.statusCode).toBe(200);
    expect(file.json()).toMatchObject({ uscc, districtCode: '330302', status: 'active' });
    const records = await t.request({ method: 'GET', url: `/api/v1/enterprises/${uscc}/records`, token });
    expect(records.statusCode).toBe(200);
    expect(records.json().total).toBeGreaterThanOrEqual(3);
    expect(records.json().items[0]).toMatchObject({ uscc, state: expect.any(String) });
    const [other] = await t.sql<{ uscc: string }>(`SELECT uscc FROM enterprises WHERE uscc <> $1 LIMIT 1`, [uscc]);
    const foreign = await t.request({ method: 'GET', url: `/api/v1/enterprises/${other.uscc}`, token });
    expect(foreign.statusCode).toBe(403);
  });

  it('keeps the Lucheng regulator to Lucheng', async () => {
    const token = await demoLogin('demo.regulator.lucheng');
    const [inside] = await t.sql<{ uscc: string }>(
      `SELECT uscc FROM enterprises WHERE district_code = '330302' LIMIT 1`,
    );
    const [outside] = await t.sql<{ uscc: string }>(
      `SELECT uscc FROM enterprises WHERE district_code = '330382' LIMIT 1`,
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/enterprises/${inside.uscc}`, token })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: `/api/v1/enterprises/${outside.uscc}`, token })).statusCode).toBe(
      403,
    );
  });

  describe('the blacklist', () => {
    let entries: EntryRow[];
    let transitions: TransitionRow[];
    let filings: FilingRow[];
    const asOfEnd = startOfBeijingDay(addDays(DEMO_AS_OF, 1));
    const of = <T extends { entry_id: string }>(rows: T[], e: EntryRow) => rows.filter((r) => r.entry_id === e.id);

    beforeAll(async () => {
      entries = await t.sql<EntryRow>(
        `SELECT b.id::text, e.uscc, b.status, p.username AS proposer, d.username AS decider, d.role AS decider_role,
                b.period_months, b.noticed_at, b.objection_deadline, b.decided_at, b.published_at,
                to_char(b.earliest_repair_date, 'YYYY-MM-DD') AS earliest_repair_date, b.expires_at, b.removed_at,
                b.removal_reason
           FROM blacklist_entries b JOIN enterprises e ON e.id = b.enterprise_id JOIN users p ON p.id = b.proposed_by
           LEFT JOIN users d ON d.id = b.decided_by ORDER BY b.id`,
      );
      transitions = await t.sql<TransitionRow>(
        `SELECT entry_id::text, action, from_status, to_status, outcome, actor_type, actor_id, actor_name, actor_role,
                occurred_at, objection_id::text, repair_application_id::text
           FROM blacklist_transitions ORDER BY id`,
      );
      filings = await t.sql<FilingRow>(
        `SELECT entry_id::text, 'objection' AS kind, outcome FROM blacklist_objections
         UNION ALL SELECT entry_id::text, 'repair', outcome FROM blacklist_repair_applications`,
      );
    });

    it('has a few dozen entries in every state, counted in the summary', () => {
      expect(entries.length).toBeGreaterThanOrEqual(24);
      expect(entries.length).toBeLessThanOrEqual(60);
      expect(summary.counts.blacklist_entries).toBe(entries.length);
      expect(summary.counts.blacklist_transitions).toBe(transitions.length);
      expect(output[0]).toContain(`and ${entries.length} blacklist entries`);
      expect([...new Set(entries.map((e) => e.status))].sort()).toEqual([...STATUSES].sort());
      const removed = entries.filter((e) => e.status === 'removed').map((e) => e.removal_reason);
      expect(removed.sort()).toEqual(['expired', 'repaired', 'revoked']);
    });

    it('covers the paths worth showing: objections pending and upheld, repairs pending and refused', () => {
      const pending = (e: EntryRow, kind: FilingRow['kind']) =>
        of(filings, e).some((f) => f.kind === kind && f.outcome === null);
      const noticed = entries.filter((e) => e.status === 'noticed');
      expect(noticed.some((e) => pending(e, 'objection'))).toBe(true);
      expect(noticed.some((e) => !pending(e, 'objection'))).toBe(true);
      // the demo enterprise objected itself
      const own = transitions.filter((tr) => tr.actor_role === 'enterprise');
      expect(own.map((tr) => tr.actor_name)).toContain('demo.enterprise');
      expect(own.map((tr) => tr.action).sort()).toEqual(['applyRepair', 'object']);
      const rejected = entries.filter((e) => e.status === 'rejected');
      expect(rejected.some((e) => of(filings, e).some((f) => f.outcome === 'upheld'))).toBe(true);
      const published = entries.filter((e) => e.status === 'published');
      expect(published.length).toBeGreaterThanOrEqual(6);
      expect(published.some((e) => pending(e, 'repair'))).toBe(true);
      expect(published.some((e) => of(filings, e).some((f) => f.outcome === 'refused'))).toBe(true);
    });

    it('gives the demo enterprise an entry to object to and one to apply for repair on, in its portal', async () => {
      const uscc = await enterpriseUscc();
      const own = entries.filter((e) => e.uscc === uscc);
      const nothingFiled = (e: EntryRow) => of(filings, e).length === 0;
      // Noticed, its objection window still open on the as-of day, nothing filed yet.
      expect(own.some((e) => e.status === 'noticed' && nothingFiled(e) && e.objection_deadline! >= asOfEnd)).toBe(true);
      // Published, open to repair by the as-of day, nothing applied for yet.
      expect(
        own.some((e) => e.status === 'published' && nothingFiled(e) && e.earliest_repair_date! <= DEMO_AS_OF),
      ).toBe(true);
    });

    it('spreads the published entries over districts and reasons, all listed past the as-of date', async () => {
      const [spread] = await t.sql<{ districts: number; reasons: number; early: number }>(
        `SELECT count(DISTINCT district_code)::int AS districts, count(DISTINCT reason_code)::int AS reasons,
                count(*) FILTER (WHERE expires_at <= $1)::int AS early
           FROM blacklist_entries WHERE status = 'published'`,
        [asOfEnd],
      );
      expect(spread.districts).toBeGreaterThanOrEqual(5);
      expect(spread.reasons).toBeGreaterThanOrEqual(5);
      expect(spread.early).toBe(0);
      const expired = entries.find((e) => e.removal_reason === 'expired')!;
      expect(expired.removed_at).toEqual(expired.expires_at);
      expect(expired.expires_at!.getTime()).toBeLessThan(asOfEnd.getTime());
    });

    it('gives every entry the trail of its path, each move one the state machine allows', () => {
      for (const e of entries) {
        const trail = of(transitions, e);
        expect(trail[0]).toMatchObject({ action: 'propose', from_status: null, to_status: 'proposed' });
        expect(trail[0].actor_name).toBe(e.proposer);
        for (const [i, tr] of trail.entries()) {
          if (i > 0) {
            const move = MOVES[tr.action as keyof typeof MOVES];
            expect(tr.from_status).toBe(trail[i - 1].to_status);
            expect(move.from).toContain(tr.from_status);
            expect(move.roles).toContain(tr.actor_role);
            expect(tr.occurred_at.getTime()).toBeGreaterThan(trail[i - 1].occurred_at.getTime());
          }
          expect(tr.occurred_at.getTime()).toBeLessThan(asOfEnd.getTime());
          expect(tr.actor_type === 'system').toBe(tr.actor_id === null);
        }
        expect(trail[trail.length - 1].to_status).toBe(e.status);
        // How many moves the entry's own columns say it went through.
        const own = of(filings, e);
        const upheld = own.some((f) => f.outcome === 'upheld');
        const expected =
          1 +
          (e.noticed_at ? 1 : 0) +
          own.length +
          own.filter((f) => f.outcome !== null).length +
          (e.decided_at && !upheld ? 1 : 0) +
          (e.published_at ? 1 : 0) +
          (e.removal_reason === 'expired' || e.removal_reason === 'revoked' ? 1 : 0) +
          (e.status === 'withdrawn' ? 1 : 0);
        expect({ id: e.id, moves: trail.length }).toEqual({ id: e.id, moves: expected });
      }
    });

    it('fills the columns as the service does: reviewer decides, deadlines and expiry by the calendar', async () => {
      const calendar = new Map(
        (
          await t.sql<{ date: string; working: boolean }>(
            `SELECT to_char(day, 'YYYY-MM-DD') AS date, working FROM calendar_days`,
          )
        ).map((d) => [d.date, d.working]),
      );
      for (const e of entries) {
        if (e.decider) {
          expect(e.decider).not.toBe(e.proposer);
          expect(e.decider_role).toBe('reviewer');
        }
        if (e.noticed_at) {
          expect(e.objection_deadline).toEqual(
            objectionDeadline(e.noticed_at, t.config.OBJECTION_WORKING_DAYS, calendar),
          );
        }
        if (e.published_at) {
          expect(e.earliest_repair_date).toBe(earliestRepairDate(e.published_at, t.config.REPAIR_MIN_MONTHS));
          expect(e.expires_at).toEqual(listingExpiry(e.published_at, e.period_months));
        }
        const decided = ['approved', 'rejected', 'published', 'removed'].includes(e.status);
        expect({ id: e.id, decided: e.decided_at !== null }).toEqual({ id: e.id, decided });
      }
    });

    it('announces every publication and removal in the outbox, as the service words it', async () => {
      const events = await t.sql<{ type: string; uscc: string; occurred_at: Date; data: Record<string, unknown> }>(
        `SELECT type, uscc, occurred_at, data FROM change_events WHERE type LIKE 'blacklist.%' ORDER BY seq`,
      );
      const published = entries.filter((e) => e.published_at);
      const removed = entries.filter((e) => e.removed_at);
      expect(events.filter((ev) => ev.type === 'blacklist.published')).toHaveLength(published.length);
      expect(events.filter((ev) => ev.type === 'blacklist.removed')).toHaveLength(removed.length);
      for (const e of published) {
        const ev = events.find((x) => x.type === 'blacklist.published' && x.data.entryId === e.id);
        expect(ev).toMatchObject({
          uscc: e.uscc,
          occurred_at: e.published_at,
          data: {
            publishedAt: e.published_at!.toISOString(),
            expiresAt: e.expires_at!.toISOString(),
            periodMonths: e.period_months,
          },
        });
      }
      for (const e of removed) {
        const ev = events.find((x) => x.type === 'blacklist.removed' && x.data.entryId === e.id);
        expect(ev?.data).toMatchObject({
          removalReason: e.removal_reason,
          removedAt: e.removed_at!.toISOString(),
          publishedAt: e.published_at!.toISOString(),
        });
      }
      const times = events.map((ev) => ev.occurred_at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });

    it('serves the seeded entries through the API, with their transitions', async () => {
      const published = entries.filter((e) => e.status === 'published');
      for (const who of ['demo.regulator', 'demo.reviewer']) {
        const token = await demoLogin(who);
        const list = await t.request({ method: 'GET', url: '/api/v1/blacklist?status=published', token });
        expect(list.statusCode).toBe(200);
        expect(list.json().total).toBe(published.length);
        expect(
          list
            .json()
            .items.map((i: { id: string }) => i.id)
            .sort(),
        ).toEqual(published.map((e) => e.id).sort());
      }
      const token = await demoLogin('demo.reviewer');
      for (const e of entries) {
        const res = await t.request({ method: 'GET', url: `/api/v1/blacklist/${e.id}`, token });
        expect(res.statusCode).toBe(200);
        const body = res.json();
        expect(body).toMatchObject({ id: e.id, uscc: e.uscc, status: e.status, proposedBy: e.proposer });
        expect(body.transitions).toHaveLength(of(transitions, e).length);
        expect(body.objections.length + body.repairApplications.length).toBe(of(filings, e).length);
      }
      // The demo enterprise sees the entries it has been given notice of.
      const uscc = await enterpriseUscc();
      const mine = await t.request({
        method: 'GET',
        url: `/api/v1/enterprises/${uscc}/blacklist`,
        token: await demoLogin('demo.enterprise'),
      });
      expect(mine.statusCode).toBe(200);
      expect(mine.json().total).toBe(entries.filter((e) => e.uscc === uscc && e.noticed_at).length);
      expect(mine.json().total).toBeGreaterThanOrEqual(2);
    });
  });

  it('adds nothing when run again but a new demo API key, which works as the first one still does', async () => {
    const tables = COUNTED_TABLES;
    const before = await Promise.all(tables.map(count));
    const lines: string[] = [];
    const again = await seedDemo(seedEnv(t.config.DATABASE_URL), (line) => lines.push(line), {
      enterprises: ENTERPRISES,
    });
    expect(again.seeded).toBe(false);
    expect(lines[0]).toMatch(/already/);
    // The key's creation is the one new audit entry.
    const audited = tables.indexOf('audit_events');
    expect(await Promise.all(tables.map(count))).toEqual(before.map((n, i) => (i === audited ? n + 1 : n)));
    expect(again.logins).toEqual(summary.logins);
    const printed = printedKey(lines);
    expect(printed).toBe(again.apiKey.key);
    expect(printed).not.toBe(summary.apiKey.key);
    await expectEveryScope(printed);
    await expectEveryScope(summary.apiKey.key);
  });

  it('prints a demo institution API key holding every scope', async () => {
    expect(summary.apiKey).toMatchObject({
      institution: '温州银行',
      scopes: ['status:read', 'batch:read', 'feed:read', 'webhooks:manage'],
    });
    expect(printedKey(output)).toBe(summary.apiKey.key);
    await expectEveryScope(summary.apiKey.key);
  });

  it('writes the same data on every run', async () => {
    const name = uniqueName(`${__filename}-twin`);
    await cloneTemplate(name);
    try {
      await seedDemo(seedEnv(testDatabaseUrl(name)), () => undefined, { enterprises: ENTERPRISES });
      const client = new Client({ connectionString: testDatabaseUrl(name) });
      await client.connect();
      const twin = await client.query(DIGESTS).finally(() => client.end());
      expect(twin.rows).toEqual(await t.sql(DIGESTS));
    } finally {
      await dropDatabase(name);
    }
  });

  it('refuses to go on from a run that failed midway, and says so', async () => {
    const name = uniqueName(`${__filename}-partial`);
    await cloneTemplate(name);
    try {
      // What a run stopped after its first institution leaves: the institution, no demo.seed entry.
      const client = new Client({ connectionString: testDatabaseUrl(name) });
      await client.connect();
      await client
        .query(`INSERT INTO institutions (name, kind, department_code) VALUES ('温州银行', 'bank', 'PBOC')`)
        .finally(() => client.end());
      await expect(seedDemo(seedEnv(testDatabaseUrl(name)), () => undefined, { enterprises: 10 })).rejects.toThrow(
        'an earlier run did not finish',
      );
    } finally {
      await dropDatabase(name);
    }
  });

  it('leaves one audit entry and an intact chain', async () => {
    const entries = await t.sql(`SELECT actor_type, actor_name, entity_type, entity_id FROM audit_events
                                   WHERE action = 'demo.seed'`);
    expect(entries).toEqual([
      { actor_type: 'system', actor_name: 'seed:demo', entity_type: 'database', entity_id: t.databaseName },
    ]);
    const token = await demoLogin('demo.admin');
    const res = await t.request({ method: 'GET', url: '/api/v1/audit/verify', token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ valid: true, length: await count('audit_events') });
  });

  // Last: it changes what the twin comparison above reads.
  it('lets the app move seeded entries on: publish an approved one, decide a noticed one', async () => {
    const [approved] = await t.sql<{ id: string }>(
      `SELECT id::text FROM blacklist_entries WHERE status = 'approved' ORDER BY id LIMIT 1`,
    );
    const regulator = await demoLogin('demo.regulator');
    const published = await t.request({
      method: 'POST',
      url: `/api/v1/blacklist/${approved.id}/publish`,
      token: regulator,
      body: { note: '公示' },
    });
    expect(published.statusCode).toBe(200);
    expect(published.json()).toMatchObject({ id: approved.id, status: 'published' });
    expect(published.json().transitions.at(-1)).toMatchObject({ action: 'publish', actor: 'demo.regulator' });
    // A noticed entry whose window has closed, with nothing pending, is decided by the reviewer.
    const [noticed] = await t.sql<{ id: string }>(
      `SELECT b.id::text FROM blacklist_entries b
        WHERE b.status = 'noticed' AND b.objection_deadline <= now()
          AND NOT EXISTS (SELECT 1 FROM blacklist_objections o WHERE o.entry_id = b.id AND o.outcome IS NULL)
        ORDER BY b.id LIMIT 1`,
    );
    const decided = await t.request({
      method: 'POST',
      url: `/api/v1/blacklist/${noticed.id}/decision`,
      token: await demoLogin('demo.reviewer'),
      body: { outcome: 'approved', note: '同意列入' },
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({ id: noticed.id, status: 'approved' });
    const events = await t.sql(`SELECT data->>'entryId' AS id FROM change_events WHERE type = 'blacklist.published'`);
    expect(events).toContainEqual({ id: approved.id });
  });
});

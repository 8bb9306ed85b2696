import { Client, ClientBase } from 'pg';
import { adoptRows } from '../../audit/adoption';
import { disclosedByDefault } from '../../records/record-rules';
import { OUTBOX_LOCK } from '../../outbox/outbox.repository';
import { DemoEnterprise, DemoRecord, DistrictRow } from './enterprises';
import { PlannedEntry, PlannedFiling } from './entry-script';
import { DEMO_USERS, INSTITUTIONS, toIso } from './reference-data';

/**
 * Everything the seed reads from and writes to the database: the reference data it generates
 * from, then the demo in bulk statements, in one transaction that the caller commits.
 */

const BATCH = 5000;
/** Two seeds at once queue on this lock; the second then finds the first one's users. */
const LOCK = 7_330_302;

export const COUNTED_TABLES = [
  'districts',
  'departments',
  'hotlines',
  'institutions',
  'users',
  'enterprises',
  'credit_records',
  'change_events',
  'audit_events',
  'blacklist_entries',
  'blacklist_objections',
  'blacklist_repair_applications',
  'blacklist_transitions',
];

/** The seed's one transaction: `work` runs inside it under the seed lock; it commits unless `work` throws. */
export async function inSeedTransaction<T>(
  url: string,
  work: (client: ClientBase) => Promise<{ commit: boolean; result: T }>,
): Promise<T> {
  const client = new Client({ connectionString: url, application_name: 'seed:demo' });
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK]);
      const { commit, result } = await work(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end();
  }
}

/** Whether the demo is there already: the credit code its enterprise user is bound to, if so. */
export async function existingDemo(client: ClientBase): Promise<{ uscc: string | null } | undefined> {
  const [existing] = (
    await client.query<{ uscc: string | null }>(
      `SELECT (SELECT uscc FROM users WHERE lower(username) = 'demo.enterprise') AS uscc
         FROM users WHERE lower(username) = lower($1)`,
      [DEMO_USERS[0].username],
    )
  ).rows;
  return existing;
}

/** What the generators draw on: districts, hotlines and their handlers, the working-day calendar. */
export async function readReferenceData(client: ClientBase): Promise<{
  districts: DistrictRow[];
  hotlines: Map<string, string>;
  calendar: Map<string, boolean>;
}> {
  const districts = (await client.query<DistrictRow>('SELECT code, name_zh, level FROM districts ORDER BY code')).rows;
  const hotlines = new Map(
    (await client.query<{ number: string; handled_by: string }>('SELECT number, handled_by FROM hotlines')).rows.map(
      (h) => [h.number, h.handled_by],
    ),
  );
  // Objection deadlines count working days by the calendar, as the service does.
  const calendar = new Map(
    (
      await client.query<{ date: string; working: boolean }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS date, working FROM calendar_days`,
      )
    ).rows.map((d) => [d.date, d.working]),
  );
  return { districts, hotlines, calendar };
}

/**
 * The records were written here, not by the records service: adopted, so verification vouches
 * for them; then the seed's own audit entry.
 */
export async function auditSeed(client: ClientBase, database: string): Promise<void> {
  await adoptRows(
    async (sql, params) => (await client.query(sql, params)).rows,
    'credit_records',
    'id::text',
    'seed:demo',
  );
  await client.query(
    `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id)
     VALUES ('system', 'seed:demo', 'demo.seed', 'database', $1)`,
    [database],
  );
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function countRows(client: ClientBase): Promise<Record<string, number>> {
  const sql = COUNTED_TABLES.map((t) => `SELECT '${t}' AS name, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const rows = (await client.query<{ name: string; n: number }>(sql)).rows;
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

export async function insertEnterprises(client: ClientBase, enterprises: DemoEnterprise[]): Promise<number> {
  let inserted = 0;
  for (const batch of chunks(enterprises, BATCH)) {
    const res = await client.query(
      `INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on, status)
       SELECT * FROM unnest($1::varchar[], $2::text[], $3::varchar[], $4::varchar[], $5::text[], $6::text[], $7::date[], $8::text[])
       ON CONFLICT (uscc) DO NOTHING`,
      [
        batch.map((e) => e.uscc),
        batch.map((e) => e.name),
        batch.map((e) => e.districtCode),
        batch.map((e) => e.industryCode),
        batch.map((e) => e.legalRepresentative),
        batch.map((e) => e.address),
        batch.map((e) => toIso(e.registeredOn)),
        batch.map((e) => e.status),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

export async function insertRecords(client: ClientBase, records: DemoRecord[]): Promise<number> {
  let inserted = 0;
  for (const batch of chunks(records, BATCH)) {
    // handled_by comes from the hotline, as the records service does it.
    const res = await client.query(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                   disclosed, department_code)
       SELECT e.id, r.type, r.severity, r.occurred_on, r.document_no, r.summary, r.hotline, h.handled_by,
              r.disclosed, r.department_code
         FROM unnest($1::varchar[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::varchar[],
                     $8::boolean[], $9::varchar[]) WITH ORDINALITY
              AS r (uscc, type, severity, occurred_on, document_no, summary, hotline, disclosed, department_code, ord)
         JOIN enterprises e ON e.uscc = r.uscc COLLATE "C"
         LEFT JOIN hotlines h ON h.number = r.hotline
        ORDER BY r.ord
       ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING`,
      [
        batch.map((r) => r.uscc),
        batch.map((r) => r.type),
        batch.map((r) => r.severity),
        batch.map((r) => toIso(r.day)),
        batch.map((r) => r.documentNo),
        batch.map((r) => r.summary),
        batch.map((r) => r.hotline),
        batch.map((r) => disclosedByDefault(r.type)),
        batch.map((r) => r.departmentCode),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

/** Corrections supersede their record, which they find by department and document number. */
export async function insertCorrections(client: ClientBase, records: DemoRecord[]): Promise<number> {
  const corrected = records.filter((r) => r.correction);
  let inserted = 0;
  for (const batch of chunks(corrected, BATCH)) {
    const res = await client.query<{ id: string }>(
      `INSERT INTO credit_records (enterprise_id, type, severity, occurred_on, document_no, summary, hotline, handled_by,
                                   disclosed, department_code, supersedes_id, correction, correction_reason)
       SELECT o.enterprise_id, o.type, coalesce(c.severity, o.severity), o.occurred_on, o.document_no,
              coalesce(c.summary, o.summary), o.hotline, o.handled_by, o.disclosed, o.department_code, o.id,
              c.correction, c.reason
         FROM unnest($1::varchar[], $2::varchar[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
              WITH ORDINALITY AS c (uscc, department_code, document_no, correction, reason, severity, summary, ord)
         JOIN credit_records o ON o.department_code = c.department_code
                              AND o.document_no = c.document_no COLLATE "C" AND o.supersedes_id IS NULL
         JOIN enterprises e ON e.id = o.enterprise_id AND e.uscc = c.uscc COLLATE "C"
        ORDER BY c.ord
       ON CONFLICT (supersedes_id) WHERE supersedes_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        batch.map((r) => r.uscc),
        batch.map((r) => r.departmentCode),
        batch.map((r) => r.documentNo),
        batch.map((r) => r.correction?.action),
        batch.map((r) => r.correction?.reason),
        batch.map((r) => r.correction?.severity ?? null),
        batch.map((r) => r.correction?.summary ?? null),
      ],
    );
    // Partners hear of every disclosed record that was corrected, as from the records service.
    await client.query(
      `INSERT INTO change_events (type, uscc, data)
       SELECT 'record.retracted', e.uscc,
              jsonb_build_object('recordId', o.id::text, 'correctedBy', n.id::text, 'action', n.correction,
                                 'type', o.type, 'documentNo', o.document_no, 'departmentCode', o.department_code)
         FROM credit_records n
         JOIN credit_records o ON o.id = n.supersedes_id
         JOIN enterprises e ON e.id = o.enterprise_id
        WHERE n.id = ANY($1::bigint[]) AND o.disclosed
        ORDER BY n.id`,
      [res.rows.map((r) => r.id)],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

export async function insertUsers(
  client: ClientBase,
  enterpriseUscc: string,
  hashing: Promise<string[]>,
): Promise<number> {
  await client.query(
    `INSERT INTO institutions (name, kind, department_code)
     SELECT * FROM unnest($1::text[], $2::text[], $3::varchar[])
     ON CONFLICT (name) DO NOTHING`,
    [INSTITUTIONS.map((i) => i.name), INSTITUTIONS.map((i) => i.kind), INSTITUTIONS.map((i) => i.departmentCode)],
  );
  const hashes = await hashing;
  const res = await client.query(
    `INSERT INTO users (username, password_hash, role, department_code, district_code, institution_id, uscc)
     SELECT u.username, u.hash, u.role, u.department_code, u.district_code, i.id, u.uscc
       FROM unnest($1::text[], $2::text[], $3::text[], $4::varchar[], $5::varchar[], $6::text[], $7::varchar[])
            WITH ORDINALITY AS u (username, hash, role, department_code, district_code, institution, uscc, ord)
       LEFT JOIN institutions i ON i.name = u.institution
      ORDER BY u.ord
     ON CONFLICT ((lower(username))) DO NOTHING`,
    [
      DEMO_USERS.map((u) => u.username),
      hashes,
      DEMO_USERS.map((u) => u.role),
      DEMO_USERS.map((u) => u.departmentCode ?? null),
      DEMO_USERS.map((u) => u.districtCode ?? null),
      DEMO_USERS.map((u) => u.institution ?? null),
      DEMO_USERS.map((u) => (u.enterprise ? enterpriseUscc : null)),
    ],
  );
  return res.rowCount ?? 0;
}

/**
 * The planned blacklist as the service would have left it: entries (their ids drawn in order of
 * proposal), objections, repair applications, every transition in the order the moves were made,
 * and the outbox events of publications and removals, each at the time of its move.
 */
export async function insertBlacklist(client: ClientBase, planned: PlannedEntry[]): Promise<number> {
  if (!planned.length) return 0;
  const users = new Map(
    (
      await client.query<{ id: string; username: string }>(
        `SELECT id::text, username FROM users WHERE username = ANY($1::text[])`,
        [DEMO_USERS.map((u) => u.username)],
      )
    ).rows.map((u) => [u.username, u.id]),
  );
  const userId = (name: string | null) => {
    if (name === null) return null;
    const id = users.get(name);
    if (!id) throw new Error(`seed:demo: no user ${name}`);
    return id;
  };
  const time = (d: Date) => d.getTime();
  const draw = async (table: string, count: number) =>
    (
      await client.query<{ id: string }>(
        `SELECT nextval(pg_get_serial_sequence($1, 'id'))::text AS id FROM generate_series(1, $2::int) ORDER BY 1`,
        [table, count],
      )
    ).rows
      .map((r) => r.id)
      .sort((a, b) => Number(a) - Number(b));

  const entries = [...planned].sort((a, b) => time(a.proposedAt) - time(b.proposedAt));
  const entryIds = new Map(zip(entries, await draw('blacklist_entries', entries.length)));
  const res = await client.query(
    `INSERT INTO blacklist_entries (id, enterprise_id, district_code, reason_code, legal_basis, facts, period_months,
                                    status, department_code, proposed_by, proposed_at, noticed_at, objection_deadline,
                                    decided_by, decided_at, published_at, earliest_repair_date, expires_at, removed_at,
                                    removal_reason)
     OVERRIDING SYSTEM VALUE
     SELECT b.id, e.id, b.district_code, b.reason_code, b.legal_basis, b.facts, b.period_months, b.status,
            b.department_code, b.proposed_by, b.proposed_at, b.noticed_at, b.objection_deadline, b.decided_by,
            b.decided_at, b.published_at, b.earliest_repair_date, b.expires_at, b.removed_at, b.removal_reason
       FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::text[], $5::text[], $6::text[], $7::smallint[],
                   $8::text[], $9::varchar[], $10::uuid[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[],
                   $14::uuid[], $15::timestamptz[], $16::timestamptz[], $17::date[], $18::timestamptz[],
                   $19::timestamptz[], $20::text[])
            AS b (id, uscc, district_code, reason_code, legal_basis, facts, period_months, status, department_code,
                  proposed_by, proposed_at, noticed_at, objection_deadline, decided_by, decided_at, published_at,
                  earliest_repair_date, expires_at, removed_at, removal_reason)
       JOIN enterprises e ON e.uscc = b.uscc COLLATE "C"
      ORDER BY b.id`,
    [
      entries.map((e) => entryIds.get(e)),
      entries.map((e) => e.uscc),
      entries.map((e) => e.districtCode),
      entries.map((e) => e.reasonCode),
      entries.map((e) => e.legalBasis),
      entries.map((e) => e.facts),
      entries.map((e) => e.periodMonths),
      entries.map((e) => e.status),
      entries.map((e) => e.departmentCode),
      entries.map((e) => userId(e.proposedBy)),
      entries.map((e) => e.proposedAt),
      entries.map((e) => e.noticedAt),
      entries.map((e) => e.objectionDeadline),
      entries.map((e) => userId(e.decidedBy)),
      entries.map((e) => e.decidedAt),
      entries.map((e) => e.publishedAt),
      entries.map((e) => e.earliestRepairDate),
      entries.map((e) => e.expiresAt),
      entries.map((e) => e.removedAt),
      entries.map((e) => e.removalReason),
    ],
  );
  if (res.rowCount !== entries.length) throw new Error('seed:demo: a blacklist entry found no enterprise');

  // Objections and repair applications: ids in order of filing, as they were filed.
  const filingIds = new Map<PlannedFiling, string>();
  for (const [table, pick] of [
    ['blacklist_objections', (e: PlannedEntry) => e.objections],
    ['blacklist_repair_applications', (e: PlannedEntry) => e.repairs],
  ] as const) {
    const filings = entries
      .flatMap((e) => pick(e).map((f) => [e, f] as const))
      .sort(([, a], [, b]) => time(a.filedAt) - time(b.filedAt));
    if (!filings.length) continue;
    const ids = await draw(table, filings.length);
    filings.forEach(([, f], i) => filingIds.set(f, ids[i]));
    const repairs = table === 'blacklist_repair_applications';
    await client.query(
      `INSERT INTO ${table} (id, entry_id, statement, ${repairs ? 'evidence, ' : ''}filed_by, filed_role, filed_at,
                             outcome, note, decided_by, decided_at)
       OVERRIDING SYSTEM VALUE
       SELECT f.id, f.entry_id, f.statement, ${repairs ? 'f.evidence, ' : ''}f.filed_by, f.filed_role, f.filed_at,
              f.outcome, f.note, f.decided_by, f.decided_at
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::text[], $9::text[], $10::text[], $11::timestamptz[])
              AS f (id, entry_id, statement, evidence, filed_by, filed_role, filed_at, outcome, note, decided_by, decided_at)
        ORDER BY f.id`,
      [
        ids,
        filings.map(([e]) => entryIds.get(e)),
        filings.map(([, f]) => f.statement),
        filings.map(([, f]) => f.evidence),
        filings.map(([, f]) => f.filedBy),
        filings.map(([, f]) => f.filedRole),
        filings.map(([, f]) => f.filedAt),
        filings.map(([, f]) => f.outcome),
        filings.map(([, f]) => f.note),
        filings.map(([, f]) => f.decidedBy),
        filings.map(([, f]) => f.decidedAt),
      ],
    );
  }

  // Every move, in the order it was made (one entry's moves never share a moment).
  const transitions = entries
    .flatMap((e) => e.transitions.map((t) => [e, t] as const))
    .sort(([ea, a], [eb, b]) => time(a.at) - time(b.at) || Number(entryIds.get(ea)) - Number(entryIds.get(eb)));
  const movers = transitions.map(([, t]) => t.mover);
  await client.query(
    `INSERT INTO blacklist_transitions (entry_id, action, from_status, to_status, outcome, actor_type, actor_id,
                                        actor_name, actor_role, occurred_at, note, document_ref, objection_id,
                                        repair_application_id)
     SELECT entry_id, action, from_status, to_status, outcome, actor_type, actor_id, actor_name, actor_role, occurred_at,
            note, document_ref, objection_id, repair_application_id
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::bigint[],
                          $14::bigint[]) WITH ORDINALITY
                   AS t (entry_id, action, from_status, to_status, outcome, actor_type, actor_id, actor_name,
                         actor_role, occurred_at, note, document_ref, objection_id, repair_application_id, ord)
      ORDER BY ord`,
    [
      transitions.map(([e]) => entryIds.get(e)),
      transitions.map(([, t]) => t.action),
      transitions.map(([, t]) => t.from),
      transitions.map(([, t]) => t.to),
      transitions.map(([, t]) => t.outcome),
      movers.map((m) => m.type),
      movers.map((m) => (m.type === 'user' ? userId(m.name) : null)),
      movers.map((m) => m.name),
      movers.map((m) => m.role),
      transitions.map(([, t]) => t.at),
      transitions.map(([, t]) => t.note),
      transitions.map(([, t]) => t.documentRef),
      transitions.map(([, t]) => (t.objection ? filingIds.get(t.objection) : null)),
      transitions.map(([, t]) => (t.repair ? filingIds.get(t.repair) : null)),
    ],
  );

  // Publications and removals, for partners, as the service appends them (under the outbox lock).
  const events = entries
    .flatMap((e) => e.events.map((ev) => ({ ...ev, uscc: e.uscc, data: { entryId: entryIds.get(e), ...ev.data } })))
    .sort((a, b) => time(a.at) - time(b.at));
  if (events.length) {
    await client.query('SELECT pg_advisory_xact_lock($1)', [OUTBOX_LOCK]);
    await client.query(
      `INSERT INTO change_events (type, uscc, occurred_at, data)
       SELECT type, uscc, occurred_at, data::jsonb
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) WITH ORDINALITY
              AS e (type, uscc, occurred_at, data, ord)
        ORDER BY ord`,
      [
        events.map((e) => e.type),
        events.map((e) => e.uscc),
        events.map((e) => e.at),
        events.map((e) => JSON.stringify(e.data)),
      ],
    );
  }
  return entries.length;
}

function zip<A, B>(as: A[], bs: B[]): [A, B][] {
  return as.map((a, i) => [a, bs[i]]);
}

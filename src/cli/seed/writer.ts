import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client, ClientBase } from 'pg';
import { systemActor } from '../../access/actor';
import { Caller, systemCaller } from '../../access/caller';
import { adoptRows } from '../../audit/audit.repository';
import { AuditService } from '../../audit/audit.service';
import { BlacklistService } from '../../blacklist/blacklist.service';
import { Outcome } from '../../blacklist/blacklist-states';
import {
  BlacklistEntryDto,
  DecisionDto,
  ObjectionDecisionDto,
  RepairDecisionDto,
} from '../../blacklist/dto/blacklist.dto';
import { AppConfig } from '../../config/app-config';
import { InstitutionsService } from '../../identity/institutions.service';
import { UsersService } from '../../identity/users.service';
import { disclosedByDefault } from '../../records/record-rules';
import { RecordsService } from '../../records/records.service';
import { DemoEnterprise, DemoRecord, DistrictRow } from './enterprises';
import { Mover, PlannedEntry, PlannedFiling, PlannedTransition } from './entry-script';
import { DEMO_USERS, DemoUser, INSTITUTIONS, toIso } from './reference-data';
import { SeedClock, SeedModule } from './seed.module';

/**
 * Everything the seed reads from and writes to the database. The enterprises and the original
 * records go in bulk statements in one transaction (3 000 enterprises and their 9 000 records
 * through the services one by one would take minutes); everything else goes through the
 * services that own it, as the application would write it: institutions and users through
 * identity, corrections through the records service (with their outbox events), the blacklist
 * move by move through its service with the clock set to each move's planned moment, and the
 * seed's own audit entry through the audit service.
 */

const BATCH = 5000;
/** Two seeds at once queue on this lock; the second then finds the first one's users. */
const LOCK = 7_330_302;
const SEED_ACTOR = systemActor('seed:demo');

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

/** A demo user as the services know them: id and bindings, for the callers of its moves. */
interface SeededUser {
  id: string;
  username: string;
  role: Mover['role'];
  departmentCode: string | null;
  districtCode: string | null;
  uscc: string | null;
}

export class DemoWriter {
  private constructor(
    private readonly client: Client,
    private readonly app: INestApplicationContext,
    private readonly clock: SeedClock,
  ) {}

  /** Connects, waits for any other seed of this database to finish, and starts the services. */
  static async open(config: AppConfig): Promise<DemoWriter> {
    const client = new Client({ connectionString: config.DATABASE_URL, application_name: 'seed:demo' });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
      const clock = new SeedClock();
      const app = await NestFactory.createApplicationContext(SeedModule.forRoot(config, clock), {
        logger: ['error'],
      });
      return new DemoWriter(client, app, clock);
    } catch (error) {
      await client.end();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      await this.client.end(); // ends the session, and with it the lock
    }
  }

  existing(): Promise<{ uscc: string | null } | undefined> {
    return existingDemo(this.client);
  }

  referenceData(): ReturnType<typeof readReferenceData> {
    return readReferenceData(this.client);
  }

  counts(): Promise<Record<string, number>> {
    return countRows(this.client);
  }

  /**
   * The enterprises and their original records, in one transaction; the records are adopted by
   * the audit log (written here, not by the records service, so verification vouches for them).
   * Returns how many were added and each record's id by department and document number.
   */
  async writeEnterprisesAndRecords(demo: {
    enterprises: DemoEnterprise[];
    records: DemoRecord[];
  }): Promise<{ enterprises: number; records: number; ids: Map<string, string> }> {
    await this.client.query('BEGIN');
    try {
      const enterprises = await insertEnterprises(this.client, demo.enterprises);
      const ids = await insertRecords(this.client, demo.records);
      await adoptRows(
        async (sql, params) => (await this.client.query(sql, params)).rows,
        'credit_records',
        [...ids.values()],
        'seed:demo',
      );
      await this.client.query('COMMIT');
      return { enterprises, records: ids.size, ids };
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /**
   * The institutions and the demo users bound to no enterprise, through identity. Needs nothing
   * the seed writes, so it runs beside the bulk writes: argon2id takes a good part of a second
   * per password, and the hashing runs in the thread pool meanwhile.
   */
  async writeStaff(): Promise<Map<string, SeededUser>> {
    const institutions = this.app.get(InstitutionsService);
    const institutionIds = new Map<string, string>();
    for (const i of INSTITUTIONS) {
      const made = await institutions.create(
        { name: i.name, kind: i.kind, departmentCode: i.departmentCode },
        SEED_ACTOR,
      );
      institutionIds.set(i.name, made.id);
    }
    return this.writeUsers(
      DEMO_USERS.filter((u) => !u.enterprise),
      { institutionIds },
    );
  }

  /** The demo user of the demo enterprise, once its enterprise is written. */
  writeEnterpriseUser(enterpriseUscc: string): Promise<Map<string, SeededUser>> {
    return this.writeUsers(
      DEMO_USERS.filter((u) => u.enterprise),
      { enterpriseUscc },
    );
  }

  private async writeUsers(
    demoUsers: DemoUser[],
    bindings: { institutionIds?: Map<string, string>; enterpriseUscc?: string },
  ): Promise<Map<string, SeededUser>> {
    const users = this.app.get(UsersService);
    const made = await Promise.all(
      demoUsers.map((u) =>
        users.create(
          {
            username: u.username,
            password: u.password,
            role: u.role,
            departmentCode: u.departmentCode,
            districtCode: u.districtCode,
            institutionId: u.institution ? bindings.institutionIds?.get(u.institution) : undefined,
            uscc: u.enterprise ? bindings.enterpriseUscc : undefined,
          },
          SEED_ACTOR,
        ),
      ),
    );
    return new Map(
      made.map((u) => [
        u.username,
        {
          id: u.id,
          username: u.username,
          role: u.role as Mover['role'],
          departmentCode: u.departmentCode,
          districtCode: u.districtCode,
          uscc: u.uscc,
        },
      ]),
    );
  }

  /**
   * The corrections, each through the records service as its department would make it, in
   * date order: the superseding row, its `record.retracted` event for a disclosed record, its
   * audit entry and regrade request.
   */
  async writeCorrections(records: DemoRecord[], ids: Map<string, string>): Promise<number> {
    const service = this.app.get(RecordsService);
    let corrected = 0;
    for (const r of records) {
      if (!r.correction) continue;
      const id = ids.get(recordKey(r.departmentCode, r.documentNo));
      if (!id) throw new Error(`seed:demo: no record ${r.documentNo} of ${r.departmentCode} to correct`);
      const { action, reason, severity, summary } = r.correction;
      await service.correct(
        id,
        { action, reason, ...(severity ? { severity } : {}), ...(summary ? { summary } : {}) },
        { actor: SEED_ACTOR, departmentCode: r.departmentCode, jurisdiction: null },
      );
      corrected++;
    }
    return corrected;
  }

  /**
   * The planned blacklist, move by move through the blacklist service in the order the moves
   * were made, the clock set to each one's moment: entries, objections and repair applications
   * get their ids in that order, and the service writes the columns, transitions, audit entries
   * and outbox events of each move itself. A move the service refuses stops the seed.
   */
  async writeBlacklist(planned: PlannedEntry[], users: Map<string, SeededUser>): Promise<number> {
    const service = this.app.get(BlacklistService);
    const order = new Map(
      [...planned].sort((a, b) => a.proposedAt.getTime() - b.proposedAt.getTime()).map((e, i) => [e, i]),
    );
    const moves = planned
      .flatMap((e) => e.transitions.map((t) => [e, t] as const))
      .sort(([ea, a], [eb, b]) => a.at.getTime() - b.at.getTime() || order.get(ea)! - order.get(eb)!);
    const entryIds = new Map<PlannedEntry, string>();
    const filingIds = new Map<PlannedFiling, string>();
    const callerOf = (mover: Mover): Caller => {
      if (mover.type === 'system') return systemCaller(systemActor(mover.name));
      const user = users.get(mover.name);
      if (!user) throw new Error(`seed:demo: no user ${mover.name}`);
      return {
        actor: { type: 'user', id: user.id, name: user.username, requestId: null },
        role: user.role,
        userId: user.id,
        jurisdiction: user.role === 'regulator' || user.role === 'reviewer' ? user.districtCode : null,
        uscc: user.uscc,
        departmentCode: user.departmentCode,
        institutionId: null,
      };
    };
    try {
      for (const [e, t] of moves) {
        this.clock.set(t.at);
        const after = await this.move(service, e, t, entryIds, filingIds, callerOf);
        if (after && after.status !== t.to) {
          throw new Error(`seed:demo: ${t.action} left the entry for ${e.uscc} ${after.status}, not ${t.to}`);
        }
      }
    } finally {
      this.clock.set(null);
    }
    return entryIds.size;
  }

  /** The seed's own audit entry, last. */
  async finish(database: string): Promise<void> {
    await this.app.get(AuditService).change(SEED_ACTOR, async () => ({
      result: undefined,
      entry: { action: 'demo.seed', entityType: 'database', entityId: database },
    }));
  }

  /** One planned move through the service; the entry as it left it, when the move answers with it. */
  private async move(
    service: BlacklistService,
    e: PlannedEntry,
    t: PlannedTransition,
    entryIds: Map<PlannedEntry, string>,
    filingIds: Map<PlannedFiling, string>,
    callerOf: (mover: Mover) => Caller,
  ): Promise<BlacklistEntryDto | null> {
    const caller = callerOf(t.mover);
    const id = entryIds.get(e) as string;
    const filing = (f: PlannedFiling | null) => filingIds.get(f as PlannedFiling) as string;
    const note = t.note ?? undefined;
    const documentRef = t.documentRef ?? undefined;
    // The plan gives every decision an outcome of its kind and its reasons.
    const decision = <O extends Outcome>() => ({ outcome: t.outcome as O, note: note as string, documentRef });
    switch (t.action) {
      case 'propose': {
        const made = await service.propose(
          {
            uscc: e.uscc,
            reasonCode: e.reasonCode,
            legalBasis: e.legalBasis,
            facts: e.facts,
            periodMonths: e.periodMonths,
            documentRef,
          },
          caller,
          e.departmentCode,
        );
        entryIds.set(e, made.id);
        return made;
      }
      case 'notice':
        return service.notice(id, { note, documentRef }, caller);
      case 'object': {
        const made = await service.object(id, { statement: t.objection!.statement }, caller);
        filingIds.set(t.objection!, made.id);
        return null;
      }
      case 'decideObjection':
        return service.decideObjection(id, filing(t.objection), decision<ObjectionDecisionDto['outcome']>(), caller);
      case 'decide':
        return service.decideProposal(id, decision<DecisionDto['outcome']>(), caller);
      case 'publish':
        return service.publish(id, { note, documentRef }, caller);
      case 'applyRepair': {
        const made = await service.applyRepair(
          id,
          { statement: t.repair!.statement, evidence: t.repair!.evidence ?? undefined },
          caller,
        );
        filingIds.set(t.repair!, made.id);
        return null;
      }
      case 'decideRepair':
        return service.decideRepair(id, filing(t.repair), decision<RepairDecisionDto['outcome']>(), caller);
      case 'revoke':
        return service.revoke(id, { note, documentRef }, caller);
      case 'withdraw':
        return service.withdraw(id, { note, documentRef }, caller);
      case 'expire': {
        // The daily expiry pass, as of the planned moment: this entry is the one due then.
        const { removed } = await service.expireDue();
        if (removed !== 1) throw new Error(`seed:demo: the expiry pass removed ${removed} entries, not 1`);
        return null;
      }
    }
  }
}

const recordKey = (departmentCode: string, documentNo: string) => `${departmentCode}|${documentNo}`;

/** Whether the demo is there already: the credit code its enterprise user is bound to, if so. */
async function existingDemo(client: ClientBase): Promise<{ uscc: string | null } | undefined> {
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
async function readReferenceData(client: ClientBase): Promise<{
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function countRows(client: ClientBase): Promise<Record<string, number>> {
  const sql = COUNTED_TABLES.map((t) => `SELECT '${t}' AS name, count(*)::int AS n FROM ${t}`).join(' UNION ALL ');
  const rows = (await client.query<{ name: string; n: number }>(sql)).rows;
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

async function insertEnterprises(client: ClientBase, enterprises: DemoEnterprise[]): Promise<number> {
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

/** Inserts the original records; their ids by department and document number. */
async function insertRecords(client: ClientBase, records: DemoRecord[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const batch of chunks(records, BATCH)) {
    // handled_by comes from the hotline, as the records service does it.
    const res = await client.query<{ id: string; department_code: string; document_no: string }>(
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
       ON CONFLICT (department_code, document_no) WHERE supersedes_id IS NULL DO NOTHING
       RETURNING id::text, department_code, document_no`,
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
    for (const row of res.rows) ids.set(recordKey(row.department_code, row.document_no), row.id);
  }
  return ids;
}

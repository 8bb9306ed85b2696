import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { systemActor } from '../../access/actor';
import { Caller, systemCaller } from '../../access/caller';
import { AuditQuery } from '../../audit/dto/audit.dto';
import { AuditService } from '../../audit/audit.service';
import { BlacklistService } from '../../blacklist/blacklist.service';
import { Outcome } from '../../blacklist/blacklist-states';
import {
  BlacklistEntryDto,
  DecisionDto,
  ObjectionDecisionDto,
  RepairDecisionDto,
} from '../../blacklist/dto/blacklist.dto';
import { CalendarService } from '../../blacklist/calendar.service';
import { AppConfig } from '../../config/app-config';
import { holdSessionLock } from '../../database/session-lock';
import { tableCounts } from '../../database/table-counts';
import { API_SCOPES, ApiScope } from '../../access/principal';
import { ApiKeysService } from '../../identity/api-keys.service';
import { DepartmentsService } from '../../identity/departments.service';
import { InstitutionsService } from '../../identity/institutions.service';
import { UsersService } from '../../identity/users.service';
import { disclosedByDefault } from '../../records/record-rules';
import { RecordsRepository } from '../../records/records.repository';
import { RecordsService } from '../../records/records.service';
import { DistrictsRepository } from '../../registry/districts.repository';
import { EnterprisesRepository } from '../../registry/enterprises.repository';
import { DemoEnterprise, DemoRecord, DistrictRow } from './enterprises';
import { Mover, PlannedEntry, PlannedFiling, PlannedTransition } from './entry-script';
import { DEMO_USERS, DemoUser, INSTITUTIONS, NEW_AGENCIES, REFORMS, toIso } from './reference-data';
import { SeedClock, SeedModule } from './seed.module';

const BATCH = 5000;
/** Two seeds at once queue on this lock; the second then finds the first one's demo. */
const LOCK = 7_330_302;
const SEED_ACTOR = systemActor('seed:demo');

/** The demo institution's API key a run made, as printed. */
export interface DemoApiKey {
  key: string;
  institution: string;
  scopes: ApiScope[];
}

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

/**
 * Everything the seed reads from and writes to the database, all of it through the modules that
 * own the tables. The enterprises and the original records go through the register's and the
 * records' bulk inserts in one transaction (3 000 enterprises and their 9 000 records through the
 * services one by one would take minutes); everything else goes through the services that own
 * it, as the application would write it: institutions and users through identity, corrections
 * through the records service (with their outbox events), the blacklist move by move through its
 * service with the clock set to each move's planned moment, and the seed's own audit entry
 * through the audit service.
 */
export class DemoWriter {
  private constructor(
    private readonly app: INestApplicationContext,
    private readonly clock: SeedClock,
    private readonly unlock: () => Promise<void>,
  ) {}

  private get db(): DataSource {
    return this.app.get(DataSource);
  }

  /** Starts the services and waits for any other seed of this database to finish. */
  static async open(config: AppConfig): Promise<DemoWriter> {
    const clock = new SeedClock();
    const app = await NestFactory.createApplicationContext(SeedModule.forRoot(config, clock), { logger: ['error'] });
    try {
      return new DemoWriter(app, clock, await holdSessionLock(app.get(DataSource), LOCK));
    } catch (error) {
      await app.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.unlock();
    } finally {
      await this.app.close();
    }
  }

  /**
   * Whether the demo is there already, from the seed's own last audit entry (`demo.seed`, written
   * once everything else has committed): the credit code its enterprise user is bound to, if so.
   * The seed writes through the services, each move in its own transaction, so a run that failed
   * midway leaves part of the demo behind; finding demo users or institutions without that entry
   * is an error that says so, not a silent "nothing added".
   */
  async existing(): Promise<{ uscc: string | null } | undefined> {
    const users = this.app.get(UsersService);
    const finished = await this.app
      .get(AuditService)
      .list(Object.assign(new AuditQuery(), { action: 'demo.seed', page: 1, pageSize: 1 }));
    if (finished.total > 0) return { uscc: (await users.findForLogin('demo.enterprise'))?.uscc ?? null };
    const started =
      (await Promise.all(DEMO_USERS.map((u) => users.findForLogin(u.username)))).some(Boolean) ||
      (await this.app.get(InstitutionsService).list()).some((i) => INSTITUTIONS.some((d) => d.name === i.name));
    if (started) {
      throw new Error(
        'seed:demo: an earlier run did not finish (demo users or institutions exist, but no demo.seed audit entry); ' +
          'seed into a new database',
      );
    }
    return undefined;
  }

  /** What the generators draw on: districts, hotlines and their handlers, the working-day calendar. */
  async referenceData(): Promise<{
    districts: DistrictRow[];
    hotlines: Map<string, string>;
    calendar: Map<string, boolean>;
  }> {
    const districts = (await this.app.get(DistrictsRepository).list()).map((d) => ({
      code: d.code,
      name_zh: d.nameZh,
      level: d.level,
    }));
    const hotlines = await this.app.get(RecordsRepository).hotlineHandlers();
    // Objection deadlines count working days by the calendar, as the service does.
    const days = await this.app.get(CalendarService).list({});
    return { districts, hotlines, calendar: new Map(days.map((d) => [d.date, d.working])) };
  }

  counts(): Promise<Record<string, number>> {
    return tableCounts(this.db.manager, COUNTED_TABLES);
  }

  /**
   * The enterprises and their original records, in one transaction, through the register's and
   * the records' bulk inserts; the records are adopted by the audit log (written here, not by the
   * records service, so verification vouches for them). Returns how many were added and each
   * record's id by department and document number.
   */
  async writeEnterprisesAndRecords(demo: {
    enterprises: DemoEnterprise[];
    records: DemoRecord[];
  }): Promise<{ enterprises: number; records: number; ids: Map<string, string> }> {
    const register = this.app.get(EnterprisesRepository);
    const records = this.app.get(RecordsRepository);
    return this.db.transaction(async (manager) => {
      let enterprises = 0;
      for (const batch of chunks(demo.enterprises, BATCH)) {
        enterprises += await register.insertMany(
          manager,
          batch.map((e) => ({ ...e, registeredOn: toIso(e.registeredOn) })),
        );
      }
      const ids = new Map<string, string>();
      for (const batch of chunks(demo.records, BATCH)) {
        const inserted = await records.insertMany(
          manager,
          batch.map((r) => ({
            uscc: r.uscc,
            type: r.type,
            severity: r.severity,
            occurredOn: toIso(r.day),
            documentNo: r.documentNo,
            summary: r.summary,
            hotline: r.hotline,
            disclosed: disclosedByDefault(r.type),
            departmentCode: r.departmentCode,
          })),
        );
        for (const row of inserted) ids.set(recordKey(row.departmentCode, row.documentNo), row.id);
      }
      await this.app.get(AuditService).adopt(manager, 'credit_records', [...ids.values()], SEED_ACTOR);
      return { enterprises, records: ids.size, ids };
    });
  }

  /**
   * The agencies of the 2018–2019 reforms, through identity as an administrator records them:
   * 温州海关 and 国家税务总局温州市税务局 created, the old bureaus merged into their successors (their
   * rows stay, so older records keep the names they were made under). What is there already is
   * left as it is. Runs before the staff, who belong to the successors.
   */
  async writeAgencies(): Promise<void> {
    const departments = this.app.get(DepartmentsService);
    const existing = new Map((await departments.list()).map((d) => [d.code, d]));
    for (const agency of NEW_AGENCIES) {
      if (!existing.has(agency.code)) await departments.create(agency, SEED_ACTOR);
    }
    for (const reform of REFORMS) {
      if (existing.has(reform.code) && !existing.get(reform.code)!.successorCode)
        await departments.merge(reform.code, reform.successor, SEED_ACTOR);
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

  /**
   * A new API key of the demo bank with every scope, for an integrator to try the API with. Keys
   * are stored hashed, so a key can be printed only when it is made: each run makes one (the
   * earlier ones stay valid until revoked).
   */
  async demoApiKey(): Promise<DemoApiKey> {
    const name = INSTITUTIONS[0].name;
    const institution = (await this.app.get(InstitutionsService).list()).find((i) => i.name === name);
    if (!institution) throw new Error(`seed:demo: the demo institution ${name} is missing`);
    const scopes = [...API_SCOPES];
    const { key } = await this.app.get(ApiKeysService).create(institution.id, { scopes }, SEED_ACTOR);
    return { key, institution: name, scopes };
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

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

import { INestApplicationContext } from '@nestjs/common';
import { Actor } from '../../src/access/actor';
import { Caller, callerOf } from '../../src/access/caller';
import { UserRole } from '../../src/access/principal';
import { BlacklistService } from '../../src/blacklist/blacklist.service';
import { BlacklistEntryDto, CreateBlacklistEntryDto } from '../../src/blacklist/dto/blacklist.dto';
import { Status } from '../../src/blacklist/blacklist-states';
import { UserDto } from '../../src/identity/dto/user.dto';
import { UsersService } from '../../src/identity/users.service';
import { CreateRecordDto, RecordDto } from '../../src/records/dto/record.dto';
import { recorder } from '../../src/records/recorder';
import { RecordsService } from '../../src/records/records.service';
import { CreateEnterpriseDto, EnterpriseDto } from '../../src/registry/dto/enterprise.dto';
import { EnterprisesService } from '../../src/registry/enterprises.service';
import { TestClock } from './clock';
import { ADMIN } from './environment';
import { CODES, enterpriseBody, PROPOSAL } from './fixtures';

/**
 * Small makers of the data most tests start from, written through the application's own
 * services, so a row is what the application itself writes (with its audit entry, its outbox
 * event, its regrading request) and never a hand-made INSERT that drifts from it. Each takes the
 * application's container: a service test's `ServiceContext.module` or an e2e file's `TestApp.app`.
 */
export type Services = Pick<INestApplicationContext, 'get'>;

/** A signed-in user as a service sees them: the caller the access guard would make of their token. */
export interface TestUser extends Caller {
  user: UserDto;
}

function asCaller(user: UserDto): TestUser {
  const actor: Actor = { type: 'user', id: user.id, name: user.username, requestId: null };
  const caller = callerOf(
    {
      kind: 'user',
      userId: user.id,
      username: user.username,
      role: user.role,
      departmentCode: user.departmentCode,
      districtCode: user.districtCode,
      institutionId: user.institutionId,
      uscc: user.uscc,
    },
    actor,
  );
  return { ...caller, user };
}

/** The first administrator, whom every test database gets at start. */
export async function admin(app: Services): Promise<TestUser> {
  const found = await app.get(UsersService).findForLogin(ADMIN.username);
  if (!found) throw new Error(`no administrator ${ADMIN.username}: was the application initialised?`);
  return asCaller({
    id: found.id,
    username: found.username,
    role: 'admin',
    departmentCode: null,
    districtCode: null,
    institutionId: null,
    uscc: null,
    disabled: false,
    createdAt: found.createdAt,
  });
}

export interface NewTestUser {
  username: string;
  role: UserRole;
  password?: string;
  departmentCode?: string;
  districtCode?: string;
  institutionId?: string;
  uscc?: string;
}

/** A user created by the administrator; returned as the caller they are once signed in. */
export async function user(app: Services, fields: NewTestUser): Promise<TestUser> {
  const by = await admin(app);
  const created = await app
    .get(UsersService)
    .create({ password: `${fields.username}-password`, ...fields } as Parameters<UsersService['create']>[0], by.actor);
  return asCaller(created);
}

/** A regulator of `departmentCode` (QTS unless named), city-wide unless a district is given. */
export function regulator(
  app: Services,
  username: string,
  fields: Partial<Omit<NewTestUser, 'username' | 'role'>> = {},
): Promise<TestUser> {
  return user(app, { username, role: 'regulator', departmentCode: 'QTS', ...fields });
}

/** An enterprise registered by the administrator: the fixtures' valve maker unless told otherwise. */
export async function enterprise(
  app: Services,
  uscc: string = CODES.wenzhouLike,
  overrides: Partial<CreateEnterpriseDto> = {},
): Promise<EnterpriseDto> {
  const by = await admin(app);
  return app.get(EnterprisesService).create(enterpriseBody(uscc, overrides) as CreateEnterpriseDto, by.actor, null);
}

let documents = 0;

/** A record made by `by` (a regulator): a failed spot check unless told otherwise, with a fresh document number. */
export function record(
  app: Services,
  by: Caller,
  uscc: string = CODES.wenzhouLike,
  fields: Partial<CreateRecordDto> = {},
): Promise<RecordDto> {
  return app.get(RecordsService).create(
    uscc,
    {
      type: 'spot_check_fail',
      occurredOn: '2026-01-15',
      documentNo: `温质监抽〔2026〕${++documents}号`,
      summary: '监督抽查不合格',
      ...fields,
    } as CreateRecordDto,
    recorder(by),
  );
}

export { PROPOSAL };

/** The states `blacklistEntry` can bring an entry to, each by the moves that lead there. */
export type EntryState = Extract<Status, 'proposed' | 'noticed' | 'approved' | 'rejected' | 'published' | 'withdrawn'>;

export interface BlacklistPeople {
  /** A regulator who proposes and gives notice. */
  proposer: Caller;
  /** A reviewer (not the proposer) who decides. */
  reviewer: Caller;
  /** The test's clock: moved past the objection deadline for a decision, and left there. */
  clock: TestClock;
}

/**
 * A blacklist entry for `uscc` brought to `state` through the service's own moves (propose,
 * notice, decide, publish, withdraw), so its dates, transitions, audit entries and outbox events
 * are those of a real listing. Reaching a decision moves `clock` to just past the deadline.
 */
export async function blacklistEntry(
  app: Services,
  people: BlacklistPeople,
  uscc: string,
  state: EntryState,
  proposal: Partial<CreateBlacklistEntryDto> = {},
): Promise<BlacklistEntryDto> {
  const blacklist = app.get(BlacklistService);
  const { proposer, reviewer, clock } = people;
  let entry = await blacklist.propose(
    { uscc, ...PROPOSAL, ...proposal } as CreateBlacklistEntryDto,
    proposer,
    proposer.departmentCode!,
  );
  if (state === 'proposed') return entry;
  if (state === 'withdrawn') return blacklist.withdraw(entry.id, { note: '撤回' }, proposer);
  entry = await blacklist.notice(entry.id, {}, proposer);
  if (state === 'noticed') return entry;
  clock.set(new Date(new Date(entry.objectionDeadline!).getTime() + 60_000).toISOString());
  const outcome = state === 'rejected' ? 'rejected' : 'approved';
  entry = await blacklist.decideProposal(entry.id, { outcome, note: '经审查' }, reviewer);
  if (state !== 'published') return entry;
  return blacklist.publish(entry.id, {}, proposer);
}

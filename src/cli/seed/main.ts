import Queue from 'bull';
import { beijingDate } from '../../common/clock';
import { loadConfig } from '../../config/app-config';
import { prepareDatabase } from '../../database/prepare-database';
import { BullConnections } from '../../jobs/bull-connections';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from '../../jobs/queues';
import { planBlacklist } from './blacklist-plan';
import { BlacklistSettings } from './entry-script';
import { generateDemo } from './records';
import { DEMO_AS_OF, DEMO_USERS, toDay } from './reference-data';
import { DemoApiKey, DemoWriter } from './writer';

export { DEMO_AS_OF } from './reference-data';
export { COUNTED_TABLES } from './writer';

/**
 * `npm run seed:demo`: fills a database with a deterministic demo — reference users of every
 * role, two institutions, a few thousand enterprises with valid credit codes across all
 * districts, and their credit records (a few of them corrected); and a few dozen blacklist
 * entries in every state, with their objections, repair applications, transitions and outbox
 * events, written by the services that own them (see writer.ts). A second run finds the demo
 * there (the seed's own audit entry) and adds nothing; two runs at once queue, and the second
 * finds the first one's. A run that failed midway cannot be finished: the next run says so.
 * Every run, the first or not, ends with a new API key of the demo bank holding every scope,
 * printed once (keys are stored hashed): what an integrator tries the API with.
 */

export interface DemoLogin {
  username: string;
  password: string;
  role: string;
  /** what the login is bound to, for the printout */
  scope: string;
}

export interface SeedSummary {
  /** false when the demo was already there and nothing was added */
  seeded: boolean;
  database: string;
  /** rows per table after the run */
  counts: Record<string, number>;
  logins: DemoLogin[];
  /** A new key of the demo bank with every scope, made by this run (printed; stored only hashed). */
  apiKey: DemoApiKey;
  elapsedMs: number;
}

const DEFAULT_ENTERPRISES = 3000;
const MAX_ENTERPRISES = 1_000_000;

function loginsOf(enterpriseUscc: string | null): DemoLogin[] {
  return DEMO_USERS.map((u) => ({
    username: u.username,
    password: u.password,
    role: u.role,
    scope: u.enterprise
      ? (enterpriseUscc ?? 'enterprise')
      : u.institution
        ? u.institution
        : u.departmentCode
          ? `${u.departmentCode}, ${u.districtCode ?? 'city-wide'}`
          : 'system',
  }));
}

function printSummary(print: (line: string) => void, summary: SeedSummary): void {
  print('rows per table:');
  for (const [table, n] of Object.entries(summary.counts)) print(`  ${table.padEnd(30)} ${String(n).padStart(8)}`);
  print('demo logins (user name, password, role, bound to):');
  for (const l of summary.logins)
    print(`  ${l.username.padEnd(24)} ${l.password.padEnd(22)} ${l.role.padEnd(12)} ${l.scope}`);
  const { key, institution, scopes } = summary.apiKey;
  print(`demo API key of ${institution} (scopes ${scopes.join(', ')}; new on every run, shown only now):`);
  print(`  X-API-Key: ${key}`);
}

/**
 * The seed's sessions commit without waiting for the disk (`synchronous_commit = off`): it makes
 * a few hundred small transactions through the services, and a crash can lose only the last of
 * them (the run is then unfinished, which the next run reports), never leave one half-written.
 */
function withoutCommitWaits(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return parsed.toString();
}

export async function seedDemo(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  options: { enterprises?: number; asOf?: string } = {},
): Promise<SeedSummary> {
  const started = Date.now();
  const size = options.enterprises ?? DEFAULT_ENTERPRISES;
  if (!Number.isInteger(size) || size < 1 || size > MAX_ENTERPRISES) {
    throw new Error(`enterprises must be a whole number from 1 to ${MAX_ENTERPRISES}, not ${size}`);
  }
  const asOfDay = options.asOf ?? DEMO_AS_OF;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOfDay) || Number.isNaN(Date.parse(asOfDay))) {
    throw new Error(`the as-of day must be a date YYYY-MM-DD, not ${asOfDay}`);
  }
  const given = loadConfig(env);
  const config = loadConfig({
    ...env,
    DATABASE_URL: withoutCommitWaits(given.DATABASE_URL),
    ...(given.DATABASE_APP_URL ? { DATABASE_APP_URL: withoutCommitWaits(given.DATABASE_APP_URL) } : {}),
  });
  const url = config.DATABASE_URL;
  const settings: BlacklistSettings = {
    objectionWorkingDays: config.OBJECTION_WORKING_DAYS,
    repairMinMonths: config.REPAIR_MIN_MONTHS,
  };
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await prepareDatabase(url);

  const writer = await DemoWriter.open(config);
  try {
    const existing = await writer.existing();
    if (existing) {
      const apiKey = await writer.demoApiKey();
      const summary: SeedSummary = {
        seeded: false,
        database,
        counts: await writer.counts(),
        logins: loginsOf(existing.uscc),
        apiKey,
        elapsedMs: Date.now() - started,
      };
      print(`seed:demo: the demo is already in ${database} (its demo.seed audit entry exists); nothing added`);
      printSummary(print, summary);
      return summary;
    }

    await writer.writeAgencies();
    const staff = writer.writeStaff();
    staff.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    const { districts, hotlines, calendar } = await writer.referenceData();
    const asOf = Math.min(toDay(beijingDate(new Date())), toDay(asOfDay));
    const demo = generateDemo(size, districts, hotlines, asOf);
    const blacklist = planBlacklist(demo, asOf, settings, calendar);

    const { enterprises, records, ids } = await writer.writeEnterprisesAndRecords(demo);
    const enterpriseUser = writer.writeEnterpriseUser(demo.enterprises[0].uscc);
    enterpriseUser.catch(() => undefined);
    const corrections = await writer.writeCorrections(demo.records, ids);
    const users = new Map([...(await staff), ...(await enterpriseUser)]);
    const entries = await writer.writeBlacklist(blacklist, users);
    await writer.finish(database);
    const apiKey = await writer.demoApiKey();

    const summary: SeedSummary = {
      seeded: true,
      database,
      counts: await writer.counts(),
      logins: loginsOf(demo.enterprises[0].uscc),
      apiKey,
      elapsedMs: Date.now() - started,
    };
    print(
      `seed:demo: added ${enterprises} enterprises, ${records} records, ${corrections} corrections, ${users.size} users ` +
        `and ${entries} blacklist entries ` +
        `to ${database} in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    );
    printSummary(print, summary);
    return summary;
  } finally {
    await writer.close();
  }
}

/**
 * The demo's grades: a full recompute queued for the worker, which runs it as soon as `npm start`
 * brings one up. Each seed that added data queues its own job: the recompute names its chunks
 * after its job, and Bull keeps finished chunks a day, so a fixed id would hand a later seed the
 * chunks (and the totals) of an earlier one and grade nothing.
 */
export async function queueGrading(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<void> {
  const config = loadConfig(env);
  const connections = new BullConnections(config.redis);
  const queue = new Queue(QueueName.Recomputes, connections.queueOptions(config));
  try {
    await queue.add(JobName.RecomputeAll, { reason: 'demo seed', startedBy: null }, DEFAULT_JOB_OPTIONS);
    print('seed:demo: queued the grading of every enterprise; the worker runs it when it starts');
  } finally {
    await queue.close();
    await connections.close();
  }
}

if (require.main === module) {
  const print = (line: string) => console.log(line);
  // From the command line the demo is dated to the day it is seeded, so its open deadlines are
  // open (the demo enterprise can object in its portal); SEED_AS_OF pins another day, as the
  // tests pin DEMO_AS_OF to get the same data on any day.
  seedDemo(process.env, print, { asOf: process.env.SEED_AS_OF ?? beijingDate(new Date()) })
    .then((summary) => (summary.seeded ? queueGrading(process.env, print) : undefined))
    .catch((error: Error) => {
      console.error(`seed:demo failed: ${error.message}`);
      process.exitCode = 1;
    });
}

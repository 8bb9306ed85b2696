import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { Grade, GRADES } from '../classification/rule-set';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { checkUscc } from '../common/uscc';
import { AppConfig } from '../config/app-config';
import { JobName, QueueName, queueOnce } from '../jobs/queues';
import { Asker } from './asker';
import { CreditStatusService } from './credit-status.service';
import { CreditStatusDto, MAX_BATCH } from './dto/credit-status.dto';
import { Purpose } from './purposes';
import { ScreeningsRepository } from './screenings.repository';

/** A code of a screened file, as written, with its row in the file. */
export interface ScreenedInput {
  row: number;
  input: string;
}

/** What became of one row of a screened file. */
export interface ScreeningRow {
  row: number;
  input: string;
  /** `found`: a registered enterprise; `not_found`: a credit code of none; `invalid`: no credit code. */
  outcome: 'found' | 'not_found' | 'invalid';
  /** The code in normal form; null for an invalid input. */
  uscc: string | null;
  name: string | null;
  grade: Grade | null;
  blacklisted: boolean;
  /** The published blacklist entries in force. */
  entries: number;
  /** Why an invalid input is no credit code (the code check's English message). */
  reason: string | null;
}

/** The counts of a screening, by row of the file. */
export interface ScreeningCounts {
  screened: number;
  found: number;
  notFound: number;
  invalid: number;
  blacklisted: number;
  /** Found enterprises by grade; `none` for those not graded. */
  byGrade: Record<Grade | 'none', number>;
}

export interface Screening {
  id: string;
  purpose: Purpose;
  fileName: string;
  screenedAt: Date;
  /** `running` from the upload until a worker has screened every code (or its job failed for good). */
  status: 'running' | 'completed' | 'failed';
  /** Codes in the file, and how many of them have been screened so far. */
  total: number;
  screened: number;
  finishedAt: Date | null;
  /** Null until completed. */
  counts: ScreeningCounts | null;
}

/**
 * How many codes one call of the batch service takes: well inside the API's own limit (10 000),
 * so that a file of 10 000 shows its progress in five steps, and a worker lost mid-way costs at
 * most one chunk screened (and logged) again.
 */
export const SCREENING_CHUNK = 2_000;

/**
 * 批量筛查: an institution screens a file of credit codes. The upload is acknowledged once the
 * screening is recorded with its accepted codes; a worker's job (the screenings queue) then puts
 * them through the credit-status batch (CreditStatusService.batch, as
 * `POST /api/v1/credit-status/batch`: the same checks, the same query-log rows), a chunk at a
 * time, each chunk's rows recorded as it is done: how far it has got is the page's progress bar,
 * and a job taken over by another worker, or queued again from the database after Redis lost it,
 * goes on from the first chunk not recorded. At the end the outcome of every row of the file,
 * which the institution downloads, is kept for SCREENING_RETENTION_DAYS. No one else's screening
 * is found.
 *
 * A chunk's query-log rows are committed by the batch, its results just after: a worker dying
 * between the two has that chunk (at most SCREENING_CHUNK codes) screened, and logged, again.
 */
@Injectable()
export class ScreeningsService {
  private readonly logger = new Logger(ScreeningsService.name);

  constructor(
    private readonly status: CreditStatusService,
    private readonly screenings: ScreeningsRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectQueue(QueueName.Screenings) private readonly queue: Queue,
  ) {}

  /**
   * Records the screening with its codes and queues its job; a worker runs it (follow it with
   * `get`). Queuing is best effort: a job Redis could not take is queued by the workers' upkeep.
   */
  async start(asker: Asker, purpose: Purpose, fileName: string, inputs: ScreenedInput[]): Promise<Screening> {
    if (!asker.userId) throw new Error('a screening is made by a user of the institution');
    if (!inputs.length || inputs.length > MAX_BATCH) throw new Error(`a screening takes 1 to ${MAX_BATCH} codes`);
    const screening: Screening = {
      id: randomUUID(),
      purpose,
      fileName,
      screenedAt: this.clock.now(),
      status: 'running',
      total: inputs.length,
      screened: 0,
      finishedAt: null,
      counts: null,
    };
    await this.screenings.start({ ...screening, institutionId: asker.institutionId, userId: asker.userId }, inputs);
    await this.enqueue(screening.id).catch((error: Error) =>
      this.logger.warn(
        `screening ${screening.id} recorded but not queued (queued when Redis answers): ${error.message}`,
      ),
    );
    return screening;
  }

  /** Queues the screening's job; the job id is the screening's, so queuing twice runs it once. */
  enqueue(id: string): Promise<void> {
    return queueOnce(this.queue, JobName.ScreenCodes, { screeningId: id }, id);
  }

  /**
   * The worker's part: screens the chunks of a running screening not yet recorded, then completes
   * it with every row. A screening already ended (or gone) is left alone, so a job run twice does
   * no harm.
   */
  async run(id: string, progress: (screened: number, total: number) => void = () => undefined): Promise<void> {
    const job = await this.screenings.forJob(id);
    if (!job) return;
    const asker: Asker = { institutionId: job.institutionId, apiKeyId: null, userId: job.userId };
    const done = new Set(job.done);
    for (let chunk = 0; chunk * SCREENING_CHUNK < job.inputs.length; chunk++) {
      if (done.has(chunk)) continue;
      const inputs = job.inputs.slice(chunk * SCREENING_CHUNK, (chunk + 1) * SCREENING_CHUNK);
      const answer = await this.status.batch({ purpose: job.purpose, usccs: inputs.map((c) => c.input) }, asker);
      const found = new Map(answer.results.map((r) => [r.uscc, r]));
      const invalid = new Set(answer.invalid);
      await this.screenings.record(
        id,
        chunk,
        inputs.map(({ row, input }) => rowOf(row, input, invalid, found)),
      );
      progress(Math.min((chunk + 1) * SCREENING_CHUNK, job.inputs.length), job.inputs.length);
    }
    const rows = await this.screenings.recorded(id);
    if (rows.length !== job.inputs.length) {
      // Another run of the same job (one taken over while it was still alive) completed it first
      // and dropped the chunks: nothing is wrong, nothing is left to do.
      if (!(await this.screenings.forJob(id))) return;
      throw new Error(`screening ${id}: ${rows.length} of ${job.inputs.length} rows recorded`);
    }
    await this.screenings.complete(id, this.clock.now(), countsOf(rows), rows);
  }

  /** The screening's job failed for good: it ends `failed`, and its page says so. */
  async fail(id: string): Promise<void> {
    await this.screenings.fail(id, this.clock.now());
  }

  /**
   * Keeps the queue in step with the table: a running screening whose job failed for good (its
   * failure could not be recorded then) ends `failed`; one whose job is gone (Redis lost it) or
   * ended although the screening did not is queued again, unless `skip` says this process is
   * running it. Safe at any time, by any number of workers.
   */
  async sweep(skip: ReadonlySet<string> = new Set()): Promise<{ failed: number; requeued: number }> {
    const swept = { failed: 0, requeued: 0 };
    for (const id of await this.screenings.running()) {
      if (skip.has(id)) continue;
      const job = await this.queue.getJob(id);
      if (job && (await job.isFailed())) {
        await this.fail(id);
        swept.failed++;
      } else if (!job || (await job.isCompleted())) {
        await this.enqueue(id);
        swept.requeued++;
      }
    }
    return swept;
  }

  /** Deletes the screenings that ended more than SCREENING_RETENTION_DAYS ago; how many. */
  deleteExpired(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.SCREENING_RETENTION_DAYS * 86_400_000);
    return this.screenings.deleteEnded(before);
  }

  /** The institution's own screening; 404 for another's, as for one that does not exist. */
  async get(id: string, institutionId: string): Promise<Screening> {
    const found = await this.screenings.find(id, institutionId);
    if (!found) throw Problem.notFound('Screening', id);
    return { ...found, screenedAt: new Date(found.screenedAt) };
  }

  /** The rows of the institution's own completed screening (404 otherwise). */
  async rows(id: string, institutionId: string): Promise<ScreeningRow[]> {
    const rows = await this.screenings.rows(id, institutionId);
    if (!rows) throw Problem.notFound('Screening', id);
    return rows;
  }

  /** The first `limit` invalid and blacklisted rows of a completed screening, for its page. */
  notable(id: string, institutionId: string, limit: number) {
    return this.screenings.notable(id, institutionId, limit);
  }

  async recent(institutionId: string, limit = 10): Promise<Screening[]> {
    return (await this.screenings.recent(institutionId, limit)).map((s) => ({
      ...s,
      screenedAt: new Date(s.screenedAt),
    }));
  }
}

/** What became of one row of the file, from the batch's answers. */
export function rowOf(
  row: number,
  input: string,
  invalid: Set<string>,
  found: Map<string, CreditStatusDto>,
): ScreeningRow {
  const none = { name: null, grade: null, blacklisted: false, entries: 0, reason: null };
  const check = checkUscc(input);
  if (invalid.has(input))
    return { row, input, outcome: 'invalid', uscc: null, ...none, reason: check.valid ? null : check.message };
  const status = found.get(check.uscc);
  if (!status) return { row, input, outcome: 'not_found', uscc: check.uscc, ...none };
  return {
    row,
    input,
    outcome: 'found',
    uscc: status.uscc,
    name: status.name,
    grade: status.grade,
    blacklisted: status.blacklisted,
    entries: status.blacklistEntries.length,
    reason: null,
  };
}

/** The counts of a screening's rows. */
export function countsOf(rows: readonly ScreeningRow[]): ScreeningCounts {
  const byGrade = Object.fromEntries([...GRADES, 'none'].map((g) => [g, 0])) as ScreeningCounts['byGrade'];
  const counts: ScreeningCounts = { screened: rows.length, found: 0, notFound: 0, invalid: 0, blacklisted: 0, byGrade };
  for (const row of rows) {
    if (row.outcome === 'invalid') counts.invalid++;
    else if (row.outcome === 'not_found') counts.notFound++;
    else {
      counts.found++;
      byGrade[row.grade ?? 'none']++;
      if (row.blacklisted) counts.blacklisted++;
    }
  }
  return counts;
}

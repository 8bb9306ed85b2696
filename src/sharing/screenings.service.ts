import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Grade, GRADES } from '../classification/rule-set';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { checkUscc } from '../common/uscc';
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
  /** `failed` too for one left running longer than STALE_MS (its process stopped mid-way). */
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
 * so that a file of 10 000 shows its progress in five steps.
 */
export const SCREENING_CHUNK = 2_000;

/** A screening still running after this long was lost with its process (one of 10 000 codes takes seconds). */
const STALE_MS = 10 * 60_000;

/**
 * 批量筛查: an institution screens a file of credit codes. The codes go through the credit-status
 * batch (CreditStatusService.batch, as `POST /api/v1/credit-status/batch`: the same checks, the
 * same query-log rows), a chunk at a time, after the request that brought them has been answered:
 * the screening's row tells how far it has got, and at the end the outcome of every row of the
 * file, which the institution downloads. No one else's screening is found.
 */
@Injectable()
export class ScreeningsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ScreeningsService.name);
  /** Screenings running in this process, awaited before it stops. */
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly status: CreditStatusService,
    private readonly screenings: ScreeningsRepository,
    private readonly clock: Clock,
  ) {}

  /** Records the screening and starts it; it runs on after this returns (follow it with `get`). */
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
    await this.screenings.start({ ...screening, institutionId: asker.institutionId, userId: asker.userId });
    const run = this.run(screening.id, asker, purpose, inputs)
      .catch(async (error: Error) => {
        this.logger.error({ msg: `screening ${screening.id} failed: ${error.message}`, err: error });
        await this.screenings.fail(screening.id, this.clock.now());
      })
      .catch(() => undefined)
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return screening;
  }

  private async run(id: string, asker: Asker, purpose: Purpose, inputs: ScreenedInput[]): Promise<void> {
    const found = new Map<string, CreditStatusDto>();
    const invalid = new Set<string>();
    for (let at = 0; at < inputs.length; at += SCREENING_CHUNK) {
      const usccs = inputs.slice(at, at + SCREENING_CHUNK).map((c) => c.input);
      const answer = await this.status.batch({ purpose, usccs }, asker);
      for (const result of answer.results) found.set(result.uscc, result);
      for (const input of answer.invalid) invalid.add(input);
      if (at + SCREENING_CHUNK < inputs.length) await this.screenings.advance(id, at + SCREENING_CHUNK);
    }
    const rows = inputs.map(({ row, input }) => rowOf(row, input, invalid, found));
    await this.screenings.complete(id, this.clock.now(), countsOf(rows), rows);
  }

  /** The institution's own screening; 404 for another's, as for one that does not exist. */
  async get(id: string, institutionId: string): Promise<Screening> {
    const found = await this.screenings.find(id, institutionId);
    if (!found) throw Problem.notFound('Screening', id);
    return this.shown(found);
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
    return (await this.screenings.recent(institutionId, limit)).map((s) => this.shown(s));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private shown(found: Screening): Screening {
    const screenedAt = new Date(found.screenedAt);
    const stale = found.status === 'running' && this.clock.now().getTime() - screenedAt.getTime() > STALE_MS;
    return { ...found, screenedAt, status: stale ? 'failed' : found.status };
  }
}

/** What became of one row of the file, from the batch's answers. */
export function rowOf(row: number, input: string, invalid: Set<string>, found: Map<string, CreditStatusDto>): ScreeningRow {
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

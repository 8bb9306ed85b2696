import { Injectable } from '@nestjs/common';
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
  counts: ScreeningCounts;
}

/** How many codes one call of the batch service takes: the API's own limit. */
export const SCREENING_CHUNK = MAX_BATCH;

/**
 * 批量筛查: an institution screens a file of credit codes. The codes go through the credit-status
 * batch (CreditStatusService.batch, as `POST /api/v1/credit-status/batch`: the same checks, the
 * same query-log rows), in chunks of the API's limit; the outcome of every row of the file is kept
 * for the institution to download, and no one else's screening is found.
 */
@Injectable()
export class ScreeningsService {
  constructor(
    private readonly status: CreditStatusService,
    private readonly screenings: ScreeningsRepository,
    private readonly clock: Clock,
  ) {}

  async screen(asker: Asker, purpose: Purpose, fileName: string, inputs: ScreenedInput[]): Promise<Screening> {
    if (!asker.userId) throw new Error('a screening is made by a user of the institution');
    const found = new Map<string, CreditStatusDto>();
    const invalid = new Set<string>();
    for (let at = 0; at < inputs.length; at += SCREENING_CHUNK) {
      const usccs = inputs.slice(at, at + SCREENING_CHUNK).map((c) => c.input);
      const answer = await this.status.batch({ purpose, usccs }, asker);
      for (const result of answer.results) found.set(result.uscc, result);
      for (const input of answer.invalid) invalid.add(input);
    }
    const rows = inputs.map(({ row, input }): ScreeningRow => {
      const check = checkUscc(input);
      if (invalid.has(input)) {
        const reason = check.valid ? null : check.message;
        return {
          row,
          input,
          outcome: 'invalid',
          uscc: null,
          name: null,
          grade: null,
          blacklisted: false,
          entries: 0,
          reason,
        };
      }
      const status = found.get(check.uscc);
      if (!status)
        return {
          row,
          input,
          outcome: 'not_found',
          uscc: check.uscc,
          name: null,
          grade: null,
          blacklisted: false,
          entries: 0,
          reason: null,
        };
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
    });
    const screening: Screening = {
      id: randomUUID(),
      purpose,
      fileName,
      screenedAt: this.clock.now(),
      counts: countsOf(rows),
    };
    await this.screenings.create({ ...screening, institutionId: asker.institutionId, userId: asker.userId }, rows);
    return screening;
  }

  /** The institution's own screening; 404 for another's, as for one that does not exist. */
  async get(id: string, institutionId: string): Promise<Screening> {
    const found = await this.screenings.find(id, institutionId);
    if (!found) throw Problem.notFound('Screening', id);
    return { ...found, screenedAt: new Date(found.screenedAt) };
  }

  async rows(id: string, institutionId: string): Promise<ScreeningRow[]> {
    const rows = await this.screenings.rows(id, institutionId);
    if (!rows) throw Problem.notFound('Screening', id);
    return rows;
  }

  recent(institutionId: string, limit = 10): Promise<Screening[]> {
    return this.screenings.recent(institutionId, limit);
  }
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

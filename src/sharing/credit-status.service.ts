import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { isISO8601 } from 'class-validator';
import { startOfBeijingDay } from '../common/calendar-days';
import { FieldError, Problem } from '../common/problem';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { Asker } from './asker';
import { checkCode, checkCodes } from './codes';
import { BatchStatusDto, BatchStatusRequestDto, CreditStatusDto } from './dto/credit-status.dto';
import { Purpose, PURPOSES } from './purposes';
import { StatusLookups } from './status-lookups';

/** A bare date is 00:00 Beijing time that day; a time must not lie ahead. Null for "now". */
export function parseAsOf(asOf: unknown, now: Date): Date | null {
  if (asOf === undefined) return null;
  const at =
    typeof asOf === 'string' && isISO8601(asOf, { strict: true })
      ? /^\d{4}-\d{2}-\d{2}$/.test(asOf)
        ? startOfBeijingDay(asOf)
        : new Date(asOf)
      : null;
  if (!at || Number.isNaN(at.getTime())) {
    throw Problem.validation([{ field: 'asOf', message: 'must be a date (YYYY-MM-DD) or a date and time' }]);
  }
  if (at > now) throw Problem.validation([{ field: 'asOf', message: 'must not be in the future' }]);
  return at;
}

const LOOKUP_QUERY = new Set(['purpose', 'asOf']);

/**
 * The single lookup's query string (`purpose`, optional `asOf`), checked here rather than by a
 * DTO: class-validator walks the metadata of every DTO class on each call, which at a lookup's
 * rate costs more than the lookup itself. Same rules and problem shape as the validation pipe.
 */
export function checkLookupQuery(query: Record<string, unknown>, now: Date): { purpose: Purpose; asOf: Date | null } {
  const errors: FieldError[] = Object.keys(query)
    .filter((key) => !LOOKUP_QUERY.has(key))
    .map((field) => ({ field, message: 'is not a known field' }));
  const { purpose } = query;
  if (!PURPOSES.includes(purpose as Purpose)) {
    errors.push({ field: 'purpose', message: `must be one of the following values: ${PURPOSES.join(', ')}` });
  }
  if (errors.length) throw Problem.validation(errors);
  return { purpose: purpose as Purpose, asOf: parseAsOf(query.asOf, now) };
}

/**
 * Credit status for banks and tax offices: grade, rule-set version and blacklist state of one
 * code or of up to 10 000, now or as of a past time. Every answer is in the query log before it
 * is returned (one row per credit code asked, registered or not; inputs that are no code are not).
 */
@Injectable()
export class CreditStatusService {
  constructor(
    private readonly allowList: UsccAllowListService,
    private readonly lookups: StatusLookups,
    private readonly clock: Clock,
  ) {}

  async one(input: string, query: Record<string, unknown>, asker: Asker): Promise<CreditStatusDto> {
    const now = this.clock.now();
    const { purpose, asOf } = checkLookupQuery(query, now);
    const uscc = await checkCode(input, this.allowList);
    const [status] = await this.lookups.ask({ asker, purpose, usccs: [uscc], askedAt: now, asOf });
    if (!status) throw Problem.notFound('Enterprise', uscc);
    return status;
  }

  async batch(request: BatchStatusRequestDto, asker: Asker): Promise<BatchStatusDto> {
    const now = this.clock.now();
    const asOf = parseAsOf(request.asOf, now);
    const { codes, invalid } = await checkCodes(request.usccs, this.allowList);
    const results = codes.length
      ? await this.lookups.ask({ asker, purpose: request.purpose, usccs: codes, askedAt: now, asOf })
      : [];
    const found = new Set(results.map((r) => r.uscc));
    return {
      results,
      notFound: codes.filter((c) => !found.has(c)),
      invalid: invalid.map((c) => c.input),
    };
  }
}

import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Problem } from '../common/problem';
import { UsccAllowListService } from '../registry/uscc-allowlist.service';
import { Asker } from './asker';
import { checkCodes } from './codes';
import { BatchStatusDto, BatchStatusRequestDto, CreditStatusDto, CreditStatusQuery } from './dto/credit-status.dto';
import { StatusLookups } from './status-lookups';

/** A bare date is 00:00 Beijing time that day; a time must not lie ahead. Null for "now". */
export function parseAsOf(asOf: string | undefined, now: Date): Date | null {
  if (asOf === undefined) return null;
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(asOf) ? `${asOf}T00:00:00+08:00` : asOf);
  if (Number.isNaN(at.getTime())) {
    throw Problem.validation([{ field: 'asOf', message: 'must be a date (YYYY-MM-DD) or a date and time' }]);
  }
  if (at > now) throw Problem.validation([{ field: 'asOf', message: 'must not be in the future' }]);
  return at;
}

/**
 * Credit status for banks and tax offices: grade, rule-set version and blacklist state of one
 * code or of up to 10 000, now or as of a past time. Every answer is in the query log before it
 * is returned (one row per enterprise answered; unknown and invalid codes are not subjects).
 */
@Injectable()
export class CreditStatusService {
  constructor(
    private readonly allowList: UsccAllowListService,
    private readonly lookups: StatusLookups,
    private readonly clock: Clock,
  ) {}

  async one(input: string, query: CreditStatusQuery, asker: Asker): Promise<CreditStatusDto> {
    const now = this.clock.now();
    const asOf = parseAsOf(query.asOf, now);
    const { codes, invalid } = await checkCodes([input], this.allowList);
    if (invalid.length) throw Problem.validation([{ field: 'uscc', message: invalid[0].message }]);
    const [status] = await this.lookups.ask({ asker, purpose: query.purpose, usccs: codes, askedAt: now, asOf });
    if (!status) throw Problem.notFound('Enterprise', codes[0]);
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

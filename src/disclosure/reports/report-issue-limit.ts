import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { fromThisSite } from '../../access/page-session';
import { Problem } from '../../common/problem';
import { RateLimiter } from '../../redis/rate-limiter';

/**
 * Reports one address may issue an hour, through the API and the page together. Every report is
 * kept for good (`issued_reports` refuses deletes, so that each number stays verifiable): without
 * a limit of its own, one address could fill the table at the public routes' 300 a minute.
 */
export const REPORTS_PER_HOUR = 20;
const HOUR_MS = 3_600_000;

/**
 * Whether a browser sent this from a page of another site: it names an `Origin` (browsers do on
 * every POST) that is not this site's, `Origin: null` included.
 */
const fromAnotherSite = (request: FastifyRequest): boolean =>
  typeof request.headers.origin === 'string' && !fromThisSite(request);

@Injectable()
export class ReportIssueLimit {
  constructor(private readonly limiter: RateLimiter) {}

  /**
   * Counts one report issued from this request's address: 429 past REPORTS_PER_HOUR. A browser's
   * post from another site's page is refused (403) first, so another site cannot spread issuing
   * over its visitors' addresses; a program (no `Origin`) is counted as its address.
   */
  async count(request: FastifyRequest): Promise<void> {
    if (fromAnotherSite(request)) {
      throw Problem.forbidden({
        en: 'Reports are issued from this site’s pages or by programs, not from another site’s page',
        zh: '信用报告只能从本站页面或程序签发，不能从其他网站的页面签发',
      });
    }
    await this.limiter.hit(`report:${request.ip}`, REPORTS_PER_HOUR, HOUR_MS, {
      en: `Reports issued from ${request.ip}`,
      zh: `${request.ip} 签发的信用报告`,
    });
  }
}

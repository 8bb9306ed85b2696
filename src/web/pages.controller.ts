import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { REASON_CODES } from '../blacklist/dto/blacklist.dto';
import { BlacklistReads } from '../blacklist/blacklist-reads.repository';
import { Clock } from '../common/clock';
import { MAX_PAGE } from '../common/pagination';
import { decimalInteger } from '../common/transforms';
import { PublicBlacklistQuery } from '../disclosure/open-data/dto/public-blacklist.dto';
import { PublicBlacklistService } from '../disclosure/open-data/public-blacklist.service';
import { MAX_QUERY_LENGTH, PublicSearchQuery } from '../disclosure/search/dto/public-enterprise.dto';
import { PublicEnterprisesService } from '../disclosure/search/public-enterprises.service';
import { SEARCH_WINDOW } from '../disclosure/search/public-search.repository';
import { Access } from '../access/access.decorator';
import { EnterpriseStatus } from '../registry/enterprise.entity';
import { ReferenceService } from '../registry/reference.service';
import { StatsService } from '../stats/stats.service';
import { PublicHome } from './home';
import { Dictionary } from './i18n';
import { industryName } from './industries';
import { WebSession } from './session';
import { percent, statsCharts } from './stats-charts';

type PageQueryParams = Record<string, string | string[] | undefined>;

const SEARCH_PAGE_SIZE = 20;
const BLACKLIST_PAGE_SIZE = 20;
/** The plan that set up the public blacklist dates from 2014: the year filter starts there. */
const FIRST_YEAR = 2014;

/** The dictionary's name of each registration status. */
const STATUS_KEYS: Record<EnterpriseStatus, keyof Dictionary> = {
  active: 'statusActive',
  suspended: 'statusSuspended',
  revoked: 'statusRevoked',
  cancelled: 'statusCancelled',
};

/** A query parameter as one trimmed string, without control characters (which no name holds, and the API refuses). */
const one = (value: string | string[] | undefined): string =>
  // eslint-disable-next-line no-control-regex
  (Array.isArray(value) ? value[0] : (value ?? '')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
const pageNumber = (value: string | string[] | undefined): number => {
  const n = decimalInteger(one(value));
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_PAGE ? n : 1;
};

/**
 * The public web pages (HTML, server-rendered, no script), over the same public services as
 * the public API: search and enterprise pages, the blacklist and its entries, and the
 * statistics for staff (the credit report's pages are ReportPagesController's). Not part of the OpenAPI document. A page for
 * something that does not exist, or is not public, answers a 404 page, not problem+json.
 */
@ApiExcludeController()
@Access('public')
@Controller()
export class PagesController {
  constructor(
    private readonly enterprises: PublicEnterprisesService,
    private readonly blacklist: PublicBlacklistService,
    private readonly reference: ReferenceService,
    private readonly blacklistReads: BlacklistReads,
    private readonly stats: StatsService,
    private readonly clock: Clock,
    private readonly session: WebSession,
    private readonly home: PublicHome,
  ) {}

  /** The search box first, then the newest publications and removals, the grades' counts and the guides. */
  @Get()
  async homePage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const home = await this.home.view();
    return this.session.render(request, reply, 'home', (t) => t.homeTitle, { q: '', home });
  }

  @Get('search')
  async search(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: PageQueryParams,
  ): Promise<void> {
    const q = Array.from(one(params.q)).slice(0, MAX_QUERY_LENGTH).join('');
    const lastPage = Math.ceil(SEARCH_WINDOW / SEARCH_PAGE_SIZE);
    const query = Object.assign(new PublicSearchQuery(), {
      q,
      page: Math.min(pageNumber(params.page), lastPage),
      pageSize: SEARCH_PAGE_SIZE,
    });
    const results = q ? await this.enterprises.search(query) : null;
    const pages = results ? Math.min(lastPage, Math.ceil(results.total / SEARCH_PAGE_SIZE)) : 0;
    return this.session.render(request, reply, 'search', (t) => t.searchTitle, {
      q,
      results,
      pager: results && this.pager('/search', { q }, results.page, pages),
    });
  }

  @Get('enterprises/:uscc')
  enterprise(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('uscc') uscc: string): Promise<void> {
    return this.session.orProblemPage(request, reply, async () => {
      const enterprise = await this.enterprises.enterprise(uscc);
      return this.session.render(
        request,
        reply,
        'enterprise',
        () => enterprise.name,
        ({ t, lang }) => ({
          enterprise,
          status: t[STATUS_KEYS[enterprise.status as EnterpriseStatus]] ?? enterprise.status,
          industry: industryName(enterprise.industryCode, lang),
        }),
      );
    });
  }

  @Get('blacklist')
  async blacklistList(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: PageQueryParams,
  ): Promise<void> {
    const [districts, reasons] = await Promise.all([this.reference.listDistricts(), this.blacklistReads.reasons()]);
    const currentYear = Number(this.clock.today().slice(0, 4));
    const years = Array.from({ length: currentYear - FIRST_YEAR + 1 }, (_, i) => currentYear - i);
    // Unknown filter values are dropped, not refused: a person who edits the address gets the list.
    const districtCode = one(params.districtCode);
    const reasonCode = one(params.reasonCode);
    const year = Number(one(params.year));
    const q = Array.from(one(params.q)).slice(0, MAX_QUERY_LENGTH).join('');
    const filters = {
      q,
      districtCode: districts.some((d) => d.code === districtCode) ? districtCode : '',
      reasonCode: (REASON_CODES as readonly string[]).includes(reasonCode) ? reasonCode : '',
      year: years.includes(year) ? String(year) : '',
    };
    const query = Object.assign(new PublicBlacklistQuery(), {
      ...(q ? { q } : {}),
      ...(filters.districtCode ? { districtCode: filters.districtCode } : {}),
      ...(filters.reasonCode ? { reasonCode: filters.reasonCode } : {}),
      ...(filters.year ? { year: Number(filters.year) } : {}),
      page: pageNumber(params.page),
      pageSize: BLACKLIST_PAGE_SIZE,
    });
    const list = await this.blacklist.list(query);
    const pages = Math.ceil(list.total / BLACKLIST_PAGE_SIZE);
    return this.session.render(request, reply, 'blacklist', (t) => t.blacklistTitle, {
      list,
      filters,
      districts,
      reasons,
      years,
      pager: this.pager('/blacklist', filters, list.page, pages),
    });
  }

  @Get('blacklist/:id')
  entry(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string): Promise<void> {
    return this.session.orProblemPage(request, reply, async () => {
      const entry = await this.blacklist.findOne(id);
      return this.session.render(request, reply, 'entry', (t) => `${t.entryTitle} · ${entry.enterpriseName}`, {
        entry,
      });
    });
  }

  /**
   * The overview figures (aggregates only) with their charts, for regulators, reviewers and
   * admins, as `GET /api/v1/stats/overview`: `@Access('public')` lets the page through the
   * guard, `staffOnly` is its check (see WebSession for why pages check the session themselves).
   */
  @Get('stats')
  async statistics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!(await this.session.staffOnly(request, reply))) return;
    const overview = await this.stats.overview();
    return this.session.render(
      request,
      reply,
      'stats',
      (t) => t.statsTitle,
      ({ t, lang }) => ({
        overview,
        charts: statsCharts(overview, t, lang),
        percent,
      }),
    );
  }

  /** Links to the previous and next pages, keeping the other parameters. */
  private pager(path: string, params: Record<string, string>, page: number, pages: number) {
    const href = (n: number) => {
      const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
      if (n > 1) search.set('page', String(n));
      const text = search.toString();
      return text ? `${path}?${text}` : path;
    };
    return {
      page,
      pages,
      previous: page > 1 ? href(Math.min(page - 1, Math.max(pages, 1))) : null,
      next: page < pages ? href(page + 1) : null,
    };
  }
}

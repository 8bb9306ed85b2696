import { Injectable, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../../access/access.decorator';
import { UserPrincipal, UserRole } from '../../access/principal';
import { Lang } from '../i18n';
import { pageContext, PageContext } from '../page';
import { homeOf, STAFF_ROLES } from '../session';
import { DepartmentsService } from '../../identity/departments.service';
import { ReferenceService } from '../../registry/reference.service';
import { Bilingual, CONSOLE_TEXT } from './console-text';

/** How long the reference data's names are kept before they are read again. */
const NAMES_TTL_MS = 5 * 60_000;

type Names = Map<string, { zh: string; en: string }>;

/**
 * Names of reference data (districts, departments: a few dozen rows) by code, read at most once
 * every few minutes; a failed read is tried again on the next page.
 */
class CachedNames {
  private cached: { at: number; names: Promise<Names> } | null = null;

  constructor(private readonly load: () => Promise<{ code: string; nameZh: string; nameEn: string }[]>) {}

  get(): Promise<Names> {
    if (!this.cached || Date.now() - this.cached.at > NAMES_TTL_MS) {
      const names = this.load().then((list) => new Map(list.map((d) => [d.code, { zh: d.nameZh, en: d.nameEn }])));
      this.cached = { at: Date.now(), names };
      names.catch(() => (this.cached = null));
    }
    return this.cached.names;
  }
}

/** A link of the navigation, for the roles that may open it. */
interface NavLink {
  href: string;
  key: keyof (typeof CONSOLE_TEXT)['zh'];
  roles: readonly UserRole[];
}

const STAFF = STAFF_ROLES;

/**
 * The navigation, in the order of a day's work; each link only for those whose role may open it.
 * Staff have the console; an enterprise and an institution each have their portal in the same frame.
 */
const NAV: readonly NavLink[] = [
  { href: '/console', key: 'navTodo', roles: STAFF },
  { href: '/console/enterprises', key: 'navEnterprises', roles: STAFF },
  { href: '/console/records/new', key: 'navRecord', roles: ['regulator'] },
  { href: '/console/imports', key: 'navImports', roles: ['regulator', 'admin'] },
  { href: '/console/blacklist', key: 'navBlacklist', roles: STAFF },
  { href: '/console/rule-sets', key: 'navRuleSets', roles: STAFF },
  { href: '/console/corrections', key: 'navCorrections', roles: STAFF },
  { href: '/stats', key: 'navStats', roles: STAFF },
  { href: '/console/admin', key: 'navAdmin', roles: ['admin'] },
  { href: '/console/audit', key: 'navAudit', roles: ['admin'] },
  { href: '/console/queues', key: 'navQueues', roles: ['admin'] },
  { href: '/portal/enterprise', key: 'navMyCredit', roles: ['enterprise'] },
  { href: '/portal/enterprise/records', key: 'navMyRecords', roles: ['enterprise'] },
  { href: '/portal/enterprise/entries', key: 'navMyEntries', roles: ['enterprise'] },
  { href: '/portal/enterprise/queries', key: 'navWhoQueried', roles: ['enterprise'] },
  { href: '/portal/enterprise/report', key: 'navMyReport', roles: ['enterprise'] },
  { href: '/portal/institution', key: 'navLookup', roles: ['institution'] },
  { href: '/portal/institution/batch', key: 'navBatch', roles: ['institution'] },
  { href: '/portal/institution/watchlist', key: 'navWatchlist', roles: ['institution'] },
  { href: '/portal/institution/queries', key: 'navQueryLog', roles: ['institution'] },
  { href: '/portal/institution/keys', key: 'navApiKeys', roles: ['institution'] },
  { href: '/portal/institution/webhooks', key: 'navWebhooks', roles: ['institution'] },
];

/** The name of the frame each role works in: the staff console, or its portal. */
const FRAME_NAME: Record<UserRole, keyof (typeof CONSOLE_TEXT)['zh']> = {
  admin: 'consoleName',
  regulator: 'consoleName',
  reviewer: 'consoleName',
  enterprise: 'portalEnterpriseName',
  institution: 'portalInstitutionName',
};

/** How many things wait on this person, by navigation link (`/console` → 3); the to-do list provides it. */
export abstract class ConsoleCounts {
  abstract counts(principal: UserPrincipal): Promise<Record<string, number>>;
}

/** What a console template gets beyond the public pages' context. */
export interface ConsoleContext extends Omit<PageContext, 't' | 'viewer'> {
  /** The console's strings and the page's own, in the page's language. */
  t: Record<string, string>;
  me: { username: string; role: UserRole; roleName: string; districtCode: string | null };
  /** The frame's name (the console, or the role's portal) and the address its pages start at. */
  frame: { name: string; home: string };
  nav: { href: string; text: string; count: number; current: boolean }[];
  /** A district's name (`鹿城区` for `330302`), its code when unknown. */
  districtName: (code: string | null | undefined) => string;
  /** A department's name (`温州市市场监督管理局` for `AMR`), its code when unknown. */
  departmentName: (code: string | null | undefined) => string;
  /** `A 守信` for `A`; the "not graded" text for null. */
  grade: (grade: string | null | undefined) => string;
  /** Field errors of a form shown again (field → message), and the values typed. */
  errors: Record<string, string>;
  values: Record<string, string>;
}

/** What a page shows again of a form sent back: each field's error, the values typed, the status. */
export type FormShown = Pick<ConsoleRender, 'errors' | 'values' | 'status'>;

export interface ConsoleRender {
  /** The `<title>` and `<h1>`, from the page's strings. */
  title: (t: Record<string, string>) => string;
  /** The page's own strings, merged over the console's. */
  text?: Bilingual<string>;
  data?: Record<string, unknown> | ((context: ConsoleContext) => Record<string, unknown>);
  status?: number;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

/**
 * Renders console pages: the page's template inside `console/layout`, for the person the
 * AccessGuard found in the session cookie (`request.principal`), in Chinese unless they chose
 * English. It does not look at `HX-Request` itself: a controller that serves htmx asks
 * `fromHtmx(request)` (page-params.ts) and calls `fragment()` for the part alone.
 */
@Injectable()
export class ConsolePages {
  private readonly districts: CachedNames;
  private readonly departments: CachedNames;

  constructor(
    reference: ReferenceService,
    departments: DepartmentsService,
    @Optional() private readonly countsOf?: ConsoleCounts,
  ) {
    this.districts = new CachedNames(() => reference.listDistricts());
    this.departments = new CachedNames(() => departments.list());
  }

  async render(request: FastifyRequest, reply: FastifyReply, view: string, options: ConsoleRender): Promise<void> {
    return this.renderView(request, reply, view, options, true);
  }

  /**
   * A part of a page for htmx to swap in (no layout); the template must not call `layout()`. It
   * has no navigation, so it skips the navigation's counts: a progress bar polled every second
   * costs no to-do queries.
   */
  async fragment(request: FastifyRequest, reply: FastifyReply, view: string, options: Omit<ConsoleRender, 'title'>) {
    return this.renderView(request, reply, view, { ...options, title: () => '' }, false);
  }

  private async renderView(
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    options: ConsoleRender,
    withCounts: boolean,
  ): Promise<void> {
    const context = await this.context(request, reply, options, withCounts);
    const values = typeof options.data === 'function' ? options.data(context) : (options.data ?? {});
    // `portal/…` views are the portals'; any other name is a console view.
    const file = view.startsWith('portal/') ? `${view}.eta` : `console/${view}.eta`;
    const html = await reply.viewAsync(file, {
      ...context,
      title: options.title(context.t),
      ...values,
    });
    this.send(reply, html, context.lang, options.status ?? 200);
  }

  async context(
    request: FastifyRequest,
    reply: FastifyReply,
    options: Omit<ConsoleRender, 'title'> = {},
    withCounts = true,
  ) {
    const principal = (request as AuthenticatedRequest).principal as UserPrincipal;
    const base = pageContext(request, reply, { username: principal.username, staff: STAFF.includes(principal.role) });
    const lang = base.lang;
    const t: Record<string, string> = { ...CONSOLE_TEXT[lang], ...(options.text?.[lang] ?? {}) };
    const [counts, districts, departments] = await Promise.all([
      withCounts && this.countsOf ? this.countsOf.counts(principal) : ({} as Record<string, number>),
      this.districts.get(),
      this.departments.get(),
    ]);
    const path = new URL(request.url, 'http://page.invalid').pathname;
    const context: ConsoleContext = {
      ...base,
      t,
      me: {
        username: principal.username,
        role: principal.role,
        roleName: t[`role_${principal.role}`] ?? principal.role,
        districtCode: principal.districtCode,
      },
      frame: { name: t[FRAME_NAME[principal.role]], home: homeOf(principal.role) },
      nav: NAV.filter((link) => link.roles.includes(principal.role)).map((link) => ({
        href: link.href,
        text: t[link.key],
        count: counts[link.href] ?? 0,
        current:
          link.href === homeOf(principal.role)
            ? path === link.href
            : path === link.href || path.startsWith(`${link.href}/`),
      })),
      grade: (grade) => (grade ? (t[`grade_${grade}`] ?? grade) : t.noGrade),
      districtName: (code) => (code ? (districts.get(code)?.[lang] ?? code) : ''),
      departmentName: (code) => (code ? (departments.get(code)?.[lang] ?? code) : ''),
      errors: options.errors ?? {},
      values: options.values ?? {},
    };
    return context;
  }

  private send(reply: FastifyReply, html: string, lang: Lang, status: number): void {
    void reply
      .status(status)
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Language', CONSOLE_TEXT[lang].htmlLang)
      .header('Cache-Control', 'private, no-store')
      .header('Vary', 'Cookie, HX-Request')
      .send(html);
  }
}

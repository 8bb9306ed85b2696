import { Injectable } from '@nestjs/common';
import type { Caller } from '../../access/caller';
import { BlacklistService } from '../../blacklist/blacklist.service';
import { BlacklistEntryDto, EnterpriseBlacklistQuery } from '../../blacklist/dto/blacklist.dto';
import { ClassificationService } from '../../classification/classification.service';
import { ClassificationDto, ClassificationIntervalDto } from '../../classification/dto/classification.dto';
import { factorLabel } from '../../classification/factor-labels';
import { Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { RecomputeRequests } from '../../jobs/recompute-requests';
import { ListRecordsQuery, RecordDto } from '../../records/dto/record.dto';
import { RecordsService } from '../../records/records.service';
import { EnterpriseDto } from '../../registry/dto/enterprise.dto';
import { EnterprisesService } from '../../registry/enterprises.service';
import { CreditQueriesService } from '../../sharing/credit-queries.service';
import { CreditQueryDto, ListCreditQueriesQuery } from '../../sharing/dto/credit-query.dto';
import type { Lang } from '../i18n';
import type { ConsoleContext } from './console-pages';
import { gradeChart } from './grade-chart';

/** Records shown on a file (newest first); an enterprise with more says how many there are. */
export const RECORDS_SHOWN = 200;
const ENTRIES_SHOWN = 20;
const QUERIES_SHOWN = 50;

/** A factor of the grade as the page shows it: its name in the person's language and what is behind it. */
export interface FactorView {
  code: string;
  name: string;
  hard: boolean;
  points: number;
  /** Records (or, for the blacklist rule, entries) behind it, each with a link on the page. */
  behind: { id: string; href: string; text: string }[];
}

export interface GradeView {
  uscc: string;
  classification: ClassificationDto | null;
  /** Every grade the enterprise had (the chart), as of now. */
  history: ClassificationIntervalDto[];
  now: Date;
  factors: FactorView[];
  /** A regrading was asked and has not run yet: the page polls until it has. */
  pending: boolean;
}

export interface EnterpriseFile {
  enterprise: EnterpriseDto;
  gradeView: GradeView;
  records: RecordDto[];
  recordsTotal: number;
  entries: BlacklistEntryDto[];
  queries: { items: CreditQueryDto[]; total: number } | null;
  now: Date;
}

/** The grade history as a step chart, or null before the first grade. */
export function gradeChartOf(it: ConsoleContext, grade: GradeView): string | null {
  if (!grade.history.length) return null;
  return gradeChart({
    title: it.t.historyChart,
    intervals: grade.history,
    now: grade.now,
    gradeName: it.grade,
    day: it.day,
  });
}

/** Out of the person's district reads as absent, as the issue asks (a 404 page, not a 403). */
export function asNotFound(error: unknown): never {
  if (error instanceof Problem && error.status === 403) throw Problem.notFound('Enterprise', '');
  throw error;
}

/**
 * The internal enterprise file, gathered from the services the API calls (each with the caller's
 * jurisdiction): registration, grade and its factors, history, every record, blacklist entries
 * with their trails and, for those the API lets see it (admins), the query log.
 */
@Injectable()
export class EnterpriseFiles {
  constructor(
    private readonly enterprises: EnterprisesService,
    private readonly classification: ClassificationService,
    private readonly records: RecordsService,
    private readonly blacklist: BlacklistService,
    private readonly queries: CreditQueriesService,
    private readonly recompute: RecomputeRequests,
    private readonly clock: Clock,
  ) {}

  async file(uscc: string, caller: Caller, lang: Lang): Promise<EnterpriseFile> {
    const enterprise = await this.enterprises.findOne(uscc, caller.jurisdiction).catch(asNotFound);
    const code = enterprise.uscc;
    const [recordPage, entryPage, queryPage] = await Promise.all([
      this.records.list(code, pageQuery(ListRecordsQuery, RECORDS_SHOWN), caller.jurisdiction),
      this.blacklist.listForEnterprise(code, pageQuery(EnterpriseBlacklistQuery, ENTRIES_SHOWN), caller),
      caller.role === 'admin' ? this.queries.list(code, pageQuery(ListCreditQueriesQuery, QUERIES_SHOWN)) : null,
    ]);
    const entries = await Promise.all(entryPage.items.map((e) => this.blacklist.findOne(e.id, caller)));
    return {
      enterprise,
      gradeView: await this.gradeOf(code, caller, lang, recordPage.items),
      records: recordPage.items,
      recordsTotal: recordPage.total,
      entries,
      queries: queryPage ? { items: queryPage.items, total: queryPage.total } : null,
      now: this.clock.now(),
    };
  }

  /** The grade part alone (what the page polls while a regrading is pending). */
  async grade(uscc: string, caller: Caller, lang: Lang): Promise<GradeView> {
    const page = await this.records
      .list(uscc, pageQuery(ListRecordsQuery, RECORDS_SHOWN), caller.jurisdiction)
      .catch(asNotFound);
    return this.gradeOf(uscc, caller, lang, page.items);
  }

  private async gradeOf(uscc: string, caller: Caller, lang: Lang, records: RecordDto[]): Promise<GradeView> {
    const enterprise = await this.enterprises.resolve(uscc, caller.jurisdiction).catch(asNotFound);
    const [classification, history, pending] = await Promise.all([
      this.classification.explain(enterprise.uscc, undefined, caller.jurisdiction).catch((error: unknown) => {
        if (error instanceof Problem && error.status === 404) return null;
        throw error;
      }),
      this.classification.history(enterprise.uscc, caller.jurisdiction),
      this.recompute.isPending(enterprise.id),
    ]);
    const byId = new Map(records.map((r) => [r.id, r]));
    const factors = (classification?.factors ?? []).map((factor): FactorView => {
      const label = factorLabel(factor.code, factor.description);
      const blacklist = factor.code === 'hard.blacklisted';
      return {
        code: factor.code,
        name: label[lang],
        hard: factor.code.startsWith('hard.'),
        points: factor.points,
        behind: factor.recordIds.map((id) => {
          if (blacklist) return { id, href: `/console/blacklist/${id}`, text: `#${id}` };
          const record = byId.get(id);
          return { id, href: `#r-${id}`, text: record ? `#${id} ${record.documentNo}` : `#${id}` };
        }),
      };
    });
    return { uscc: enterprise.uscc, classification, history, now: this.clock.now(), factors, pending };
  }
}

function pageQuery<T extends { page: number; pageSize: number }>(type: new () => T, pageSize: number): T {
  return Object.assign(new type(), { page: 1, pageSize });
}

import { Injectable } from '@nestjs/common';
import type { Caller } from '../../../access/caller';
import { BlacklistReads } from '../../../blacklist/blacklist-reads.repository';
import { BlacklistService } from '../../../blacklist/blacklist.service';
import { MoveChoice, movesFor } from '../../../blacklist/blacklist-moves';
import { CalendarService } from '../../../blacklist/calendar.service';
import { BlacklistEntryDto, BlacklistEntrySummaryDto, ReasonDto } from '../../../blacklist/dto/blacklist.dto';
import { ClassificationService } from '../../../classification/classification.service';
import { beijingDate, Clock } from '../../../common/clock';
import { ReportPayloadDto } from '../../../disclosure/reports/dto/report.dto';
import { payloadOf, ReportsService } from '../../../disclosure/reports/reports.service';
import { ListRecordsQuery } from '../../../records/dto/record.dto';
import { RecordsService } from '../../../records/records.service';
import { EnterpriseDto } from '../../../registry/dto/enterprise.dto';
import { EnterprisesService } from '../../../registry/enterprises.service';
import { documentsOf, DocumentKind } from '../../console/blacklist-documents';
import { EnterpriseFiles, GradeView, RECORDS_SHOWN } from '../../console/enterprise-file';
import type { Lang } from '../../i18n';
import { GradeAdvice, gradeAdvice } from './grade-advice';

/** An entry's deadlines in working days, as the enterprise's pages show them. */
export interface EntryDeadlines {
  /** Working days to the objection deadline's last day (0: today; negative: passed), while noticed. */
  objectionDaysLeft: number | null;
  /** Working days until repair may be applied for (before the earliest repair date), while published. */
  repairDaysLeft: number | null;
  /** The earliest repair date has come. */
  repairOpen: boolean;
}

/** A filing on the enterprise's page: an objection or a repair application with its kind. */
export type Filing = (BlacklistEntryDto['objections'][number] | BlacklistEntryDto['repairApplications'][number]) & {
  kind: 'objection' | 'repair';
};

export interface EntryView extends EntryDeadlines {
  entry: BlacklistEntryDto;
  documents: DocumentKind[];
  object: MoveChoice;
  repair: MoveChoice;
  filings: Filing[];
}

/** A report as issued (the JWS) and what it says, for the page to print. */
export interface IssuedReport {
  report: string;
  payload: ReportPayloadDto;
  reasons: ReasonDto[];
}

/**
 * The enterprise portal's view models, from the services the API uses: the enterprise's file
 * with the advice on its grade, its entries with their deadlines in working days and the moves
 * open to it (the state machine's answer, with the reason when refused), and its reports.
 */
@Injectable()
export class EnterprisePortal {
  constructor(
    private readonly enterprises: EnterprisesService,
    private readonly files: EnterpriseFiles,
    private readonly classification: ClassificationService,
    private readonly records: RecordsService,
    private readonly blacklist: BlacklistService,
    private readonly reads: BlacklistReads,
    private readonly calendar: CalendarService,
    private readonly reports: ReportsService,
    private readonly clock: Clock,
  ) {}

  async overview(
    uscc: string,
    caller: Caller,
    lang: Lang,
  ): Promise<{ enterprise: EnterpriseDto; gradeView: GradeView; advice: GradeAdvice[]; ruleSetVersion: number }> {
    const [enterprise, grade, ruleSet, recordPage] = await Promise.all([
      this.enterprises.findOne(uscc, null),
      this.files.grade(uscc, caller, lang),
      this.classification.activeRuleSet(),
      this.records.list(uscc, Object.assign(new ListRecordsQuery(), { page: 1, pageSize: RECORDS_SHOWN }), null),
    ]);
    // The portal's links: a blacklist factor to the enterprise's own matter, records to its list.
    const gradeView: GradeView = {
      ...grade,
      pending: false,
      factors: grade.factors.map((f) => ({
        ...f,
        behind: f.behind.map((b) => ({
          ...b,
          href: f.code === 'hard.blacklisted' ? `/portal/enterprise/entries/${b.id}` : '/portal/enterprise/records',
        })),
      })),
    };
    const c = grade.classification;
    const advice = c
      ? gradeAdvice({
          grade: c.grade,
          score: c.score,
          factors: c.factors,
          ruleSet: ruleSet.document,
          recordDates: new Map(recordPage.items.map((r) => [r.id, r.occurredOn])),
        })
      : [];
    return { enterprise, gradeView, advice, ruleSetVersion: ruleSet.version };
  }

  /** The reasons for listing, with their labels. */
  reasons(): Promise<ReasonDto[]> {
    return this.reads.reasons();
  }

  /** Each entry's deadlines in working days, for the list. */
  deadlines(entries: BlacklistEntrySummaryDto[]): Promise<(BlacklistEntrySummaryDto & EntryDeadlines)[]> {
    return Promise.all(entries.map(async (entry) => ({ ...entry, ...(await this.deadlinesOf(entry)) })));
  }

  /** One of the enterprise's entries (404 for any other), with its deadlines, documents, moves and filings. */
  async entry(id: string, caller: Caller): Promise<EntryView> {
    const entry = await this.blacklist.findOne(id, caller);
    const moves = movesFor(entry, { role: 'enterprise', username: caller.actor.name ?? null }, this.clock.now());
    const filings: Filing[] = [
      ...entry.objections.map((o) => ({ ...o, kind: 'objection' as const })),
      ...entry.repairApplications.map((a) => ({ ...a, kind: 'repair' as const })),
    ].sort((a, b) => +new Date(a.filedAt) - +new Date(b.filedAt));
    return {
      entry,
      ...(await this.deadlinesOf(entry)),
      documents: documentsOf(entry),
      object: moves.find((m) => m.move === 'object')!,
      repair: moves.find((m) => m.move === 'apply-repair')!,
      filings,
    };
  }

  /** Issues a signed report of the enterprise's public record, with what it says. */
  async issueReport(uscc: string): Promise<IssuedReport> {
    const issued = await this.reports.issue(uscc);
    return { report: issued.report, payload: payloadOf(issued.report), reasons: await this.reads.reasons() };
  }

  /** The report's payload when it is one this site issued, unchanged, of this enterprise; else null. */
  async ownReport(uscc: string, report: string): Promise<ReportPayloadDto | null> {
    if (!report || report.length > 100_000) return null;
    const verified = await this.reports.verify(report);
    return verified.valid && verified.payload?.enterprise.uscc === uscc ? verified.payload : null;
  }

  private async deadlinesOf(entry: BlacklistEntrySummaryDto): Promise<EntryDeadlines> {
    const today = beijingDate(this.clock.now());
    const objectionDaysLeft =
      entry.status === 'noticed' && entry.objectionDeadline
        ? await this.calendar.workingDaysLeft(today, new Date(entry.objectionDeadline))
        : null;
    const repairFrom = entry.status === 'published' ? entry.earliestRepairDate : null;
    const repairOpen = !!repairFrom && today >= repairFrom;
    // Working days before the date repair opens: to the end of the day before it.
    const repairDaysLeft =
      repairFrom && !repairOpen
        ? await this.calendar.workingDaysLeft(today, new Date(`${repairFrom}T00:00:00+08:00`))
        : null;
    return { objectionDaysLeft, repairDaysLeft, repairOpen };
  }
}

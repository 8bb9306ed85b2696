import { Injectable } from '@nestjs/common';
import { jurisdiction, UserPrincipal, UserRole } from '../../access/principal';
import { BlacklistReads, TodoKind, TodoScope } from '../../blacklist/blacklist-reads.repository';
import { CalendarService } from '../../blacklist/calendar.service';
import { addDays, addWorkingDays, CalendarExceptions, workingDaysUntil } from '../../common/calendar-days';
import { beijingDate, beijingLastDay, Clock } from '../../common/clock';
import { ImportsService } from '../../imports/imports.service';
import { EnterprisesService } from '../../registry/enterprises.service';
import { CorrectionsService } from '../../disclosure/corrections/corrections.service';
import { ConsoleCounts } from './console-pages';

/**
 * Working days the console gives a step that has no deadline in law (giving notice, deciding a
 * proposal once the window has closed, publishing, deciding a repair, looking at an import):
 * counted from when it started to wait. The objection's own deadline is the law's.
 */
export const HANDLING_WORKING_DAYS = 5;

/** A failed or partly rejected import stays on its uploader's to-do this many days after it ended. */
export const IMPORT_ATTENTION_DAYS = 30;

/** The most items the page lists; the navigation's count is the full number. */
export const MAX_TODO_ITEMS = 100;

/** Who does which steps of the blacklist's due process (docs/blacklist.md). */
const BLACKLIST_KINDS: Record<UserRole, readonly TodoKind[]> = {
  regulator: ['notice', 'publish'],
  reviewer: ['objection', 'decide', 'publish', 'repair'],
  admin: [],
  institution: [],
  enterprise: [],
};

export type TodoItemKind = TodoKind | 'import-failed' | 'import-rejected';

/** One thing waiting on the person, as the page lists it. */
export interface TodoItem {
  kind: TodoItemKind;
  href: string;
  /** The enterprise's name and code, or the import's file name. */
  subject: string;
  code: string | null;
  /** The reason for listing (a code), or the rejected rows of an import. */
  reasonCode: string | null;
  rejectedRows: number | null;
  since: Date;
  /** The last day (Beijing, YYYY-MM-DD) to do it on. */
  lastDay: string;
  /** Working days left to the last day; negative when it has passed. */
  daysLeft: number;
  /** Whether the last day is the law's (the objection window) rather than the console's handling time. */
  statutory: boolean;
}

/**
 * The console's to-do: what waits on the person signed in, from the blacklist's due process
 * and from their imports, each with its last day and the working days left (the blacklist's
 * calendar). Also the navigation's counts, on every console page: one indexed count query
 * each to the blacklist and to the imports, and only those the role needs.
 */
@Injectable()
export class TodoService extends ConsoleCounts {
  constructor(
    private readonly blacklist: BlacklistReads,
    private readonly imports: ImportsService,
    private readonly enterprises: EnterprisesService,
    private readonly calendar: CalendarService,
    private readonly corrections: CorrectionsService,
    private readonly clock: Clock,
  ) {
    super();
  }

  async counts(principal: UserPrincipal): Promise<Record<string, number>> {
    const now = this.clock.now();
    const scope = this.scope(principal);
    const uploader = this.uploader(principal);
    const [blacklist, imports, corrections] = await Promise.all([
      this.blacklist.todoCount(scope, now),
      uploader === undefined ? 0 : this.imports.attentionCount(this.importsSince(now), uploader),
      this.corrections.openCount(),
    ]);
    // 黑名单 gets no count of its own: its list shows every entry, not the ones that wait on this person.
    return { '/console': blacklist + imports, '/console/imports': imports, '/console/corrections': corrections };
  }

  /** The items, the soonest last day first. */
  async items(principal: UserPrincipal): Promise<TodoItem[]> {
    const now = this.clock.now();
    const today = beijingDate(now);
    const uploader = this.uploader(principal);
    const [entries, imports] = await Promise.all([
      this.blacklist.todo(this.scope(principal), now, MAX_TODO_ITEMS),
      uploader === undefined ? [] : this.imports.attention(this.importsSince(now), uploader, MAX_TODO_ITEMS),
    ]);
    const starts = [...entries.map((e) => e.since), ...imports.map((i) => i.finishedAt)].map(beijingDate);
    const earliest = [today, ...starts].sort()[0];
    // Holidays after the earliest start day: every day counted below is one of them or later.
    const exceptions = await this.calendar.exceptionsAfter(addDays(earliest, -1));
    const names = await this.enterprises.namesByIds(entries.map((e) => e.enterpriseId));
    const items: TodoItem[] = [
      ...entries.map((e) => {
        const enterprise = names.get(e.enterpriseId);
        return this.item(today, exceptions, {
          kind: e.kind,
          href: `/console/blacklist/${e.id}`,
          subject: enterprise?.name ?? e.enterpriseId,
          code: enterprise?.uscc ?? null,
          reasonCode: e.reasonCode,
          rejectedRows: null,
          since: e.since,
          deadline: e.deadline,
        });
      }),
      ...imports.map((i) =>
        this.item(today, exceptions, {
          kind: i.status === 'completed' ? 'import-rejected' : 'import-failed',
          href: `/console/imports/${i.id}`,
          subject: i.fileName,
          code: null,
          reasonCode: null,
          rejectedRows: i.rejectedRows,
          since: i.finishedAt,
          deadline: null,
        }),
      ),
    ];
    return items.sort((a, b) => a.lastDay.localeCompare(b.lastDay) || a.since.getTime() - b.since.getTime());
  }

  private item(
    today: string,
    exceptions: CalendarExceptions,
    item: Omit<TodoItem, 'lastDay' | 'daysLeft' | 'statutory'> & { deadline: Date | null },
  ): TodoItem {
    const { deadline, ...rest } = item;
    const lastDay = deadline
      ? beijingLastDay(deadline)
      : addWorkingDays(beijingDate(item.since), HANDLING_WORKING_DAYS, exceptions);
    return { ...rest, lastDay, daysLeft: workingDaysUntil(today, lastDay, exceptions), statutory: deadline !== null };
  }

  private scope(principal: UserPrincipal): TodoScope {
    return {
      kinds: BLACKLIST_KINDS[principal.role],
      jurisdiction: jurisdiction(principal),
      // A regulator gives notice on, and publishes, their own department's proposals.
      departmentCode: principal.role === 'regulator' ? principal.departmentCode : null,
    };
  }

  /** Whose imports: a regulator's own, everyone's for an administrator (null); none for others (undefined). */
  private uploader(principal: UserPrincipal): string | null | undefined {
    if (principal.role === 'admin') return null;
    if (principal.role === 'regulator') return principal.userId;
    return undefined;
  }

  private importsSince(now: Date): Date {
    return new Date(now.getTime() - IMPORT_ATTENTION_DAYS * 86_400_000);
  }
}

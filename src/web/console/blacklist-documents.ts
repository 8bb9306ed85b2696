import { Injectable } from '@nestjs/common';
import { CalendarService } from '../../blacklist/calendar.service';
import { BlacklistEntryDto } from '../../blacklist/dto/blacklist.dto';
import { beijingDate } from '../../common/clock';
import { Problem } from '../../common/problem';
import { DepartmentsService } from '../../identity/departments.service';
import { Lang } from '../i18n';

export const DOCUMENT_KINDS = ['notice', 'decision', 'removal'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

const beijingDay = (at: Date | string): string => beijingDate(new Date(at));

/** The documents an entry has reached: the notice once noticed, the decision once approved, the removal once removed. */
export function documentsOf(entry: BlacklistEntryDto): DocumentKind[] {
  const kinds: DocumentKind[] = [];
  if (entry.noticedAt) kinds.push('notice');
  if (entry.transitions.some((t) => t.action === 'decide' && t.outcome === 'approved')) kinds.push('decision');
  if (entry.status === 'removed') kinds.push('removal');
  return kinds;
}

/** The move a document records (its number and date are that move's). */
function documentTransition(entry: BlacklistEntryDto, kind: DocumentKind) {
  const last = (match: (t: BlacklistEntryDto['transitions'][number]) => boolean) =>
    [...entry.transitions].reverse().find(match) ?? null;
  if (kind === 'notice') return last((t) => t.action === 'notice');
  if (kind === 'decision') return last((t) => t.action === 'decide' && t.outcome === 'approved');
  return last((t) => t.to === 'removed');
}

/**
 * The printable 列入告知书, 列入决定书 and 移出决定书 of an entry: what the one template
 * (`console/blacklist-document.eta`) prints, for the staff console and the enterprise's portal
 * alike. `back` is the page the document returns to.
 */
@Injectable()
export class BlacklistDocuments {
  constructor(
    private readonly calendar: CalendarService,
    private readonly departments: DepartmentsService,
  ) {}

  /** The document's data; 404 for a kind the entry has not reached (or no kind at all). */
  async view(entry: BlacklistEntryDto, kind: string, lang: Lang, back: string) {
    if (!(DOCUMENT_KINDS as readonly string[]).includes(kind) || !documentsOf(entry).includes(kind as DocumentKind)) {
      throw Problem.notFound('Document', `${entry.id}/${kind}`);
    }
    const docKind = kind as DocumentKind;
    const [department, noticeDays] = await Promise.all([
      this.departmentName(entry.departmentCode, lang),
      entry.noticedAt && entry.objectionDeadline
        ? this.calendar.workingDaysLeft(beijingDay(entry.noticedAt), new Date(entry.objectionDeadline))
        : Promise.resolve(null),
    ]);
    return { entry, kind: docKind, transition: documentTransition(entry, docKind), department, noticeDays, back };
  }

  private async departmentName(code: string, lang: Lang): Promise<string> {
    const department = (await this.departments.list()).find((d) => d.code === code);
    return department ? (lang === 'zh' ? department.nameZh : department.nameEn) : code;
  }
}

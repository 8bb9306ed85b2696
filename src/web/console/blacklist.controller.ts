import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { BlacklistService } from '../../blacklist/blacklist.service';
import { ConsoleMove, isConsoleMove, MoveChoice, movesFor, STATUS_LABELS } from '../../blacklist/blacklist-moves';
import { STATUSES } from '../../blacklist/blacklist-states';
import { CalendarService } from '../../blacklist/calendar.service';
import { sendEvidence } from '../../blacklist/evidence/evidence-download';
import {
  BlacklistEntryDto,
  CreateBlacklistEntryDto,
  DecisionDto,
  ListBlacklistQuery,
  MoveDto,
  ObjectionDecisionDto,
  ObjectionDto,
  REASON_CODES,
  RepairApplicationDto,
  RepairDecisionDto,
  RevocationDto,
} from '../../blacklist/dto/blacklist.dto';
import { AcceptsForm } from '../../common/body-limit';
import { beijingDate, Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { ReferenceService } from '../../registry/reference.service';
import { BlacklistDocuments, documentsOf } from './blacklist-documents';
import { BLACKLIST_TEXT } from './blacklist.text';
import { ConsoleController } from './console.decorator';
import { ConsolePages } from './console-pages';
import { checkForm, filled, formFields, required } from './forms';
import { langOf, pagerOf, param, seeOther } from './page-params';

const PAGE_SIZE = 20;

type Params = Record<string, string | string[] | undefined>;

/** The fields of the confirmation form of a move, and the API's DTO that checks them. */
function moveForm(move: ConsoleMove): { dto: new () => object; fields: string[] } {
  switch (move) {
    case 'object':
      return { dto: ObjectionDto, fields: ['statement'] };
    case 'apply-repair':
      return { dto: RepairApplicationDto, fields: ['statement', 'evidence'] };
    case 'approve':
    case 'reject':
      return { dto: DecisionDto, fields: ['note', 'documentRef'] };
    case 'uphold-objection':
    case 'dismiss-objection':
      return { dto: ObjectionDecisionDto, fields: ['note', 'documentRef'] };
    case 'grant-repair':
    case 'refuse-repair':
      return { dto: RepairDecisionDto, fields: ['note', 'documentRef'] };
    case 'revoke':
      return { dto: RevocationDto, fields: ['note', 'documentRef'] };
    default:
      return { dto: MoveDto, fields: ['note', 'documentRef'] };
  }
}

/**
 * 黑名单 in the console: the entries by status with filters, 提出列入, an entry with its trail
 * and every move of due process (the ones refused shown disabled with the reason), a
 * confirmation step for each move, and the printable notice, decision and removal. Every move
 * goes through the same BlacklistService method as the API, for the caller signed in.
 */
@ConsoleController('blacklist')
export class ConsoleBlacklistController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly blacklist: BlacklistService,
    private readonly reads: BlacklistReads,
    private readonly reference: ReferenceService,
    private readonly calendar: CalendarService,
    private readonly documents: BlacklistDocuments,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  async list(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: Params,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const [districts, reasons] = await Promise.all([this.reference.listDistricts(), this.reads.reasons()]);
    // Unknown filter values are dropped, not refused: a person who edits the address gets the list.
    const status = param(params, 'status');
    const districtCode = param(params, 'districtCode');
    const reasonCode = param(params, 'reasonCode');
    const page = Math.min(Math.max(Number.parseInt(param(params, 'page'), 10) || 1, 1), 10_000);
    const filters = {
      status: (STATUSES as readonly string[]).includes(status) ? status : '',
      districtCode: districts.some((d) => d.code === districtCode) ? districtCode : '',
      reasonCode: (REASON_CODES as readonly string[]).includes(reasonCode) ? reasonCode : '',
    };
    const query = Object.assign(new ListBlacklistQuery(), { page, pageSize: PAGE_SIZE });
    for (const [key, value] of Object.entries(filters)) if (value) Object.assign(query, { [key]: value });
    const list = await this.blacklist.list(query, caller);
    return this.pages.render(request, reply, 'blacklist-list', {
      title: (t) => t.listTitle,
      text: BLACKLIST_TEXT,
      data: {
        list,
        filters,
        districts,
        reasons,
        statuses: STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
        statusLabels: STATUS_LABELS,
        pager: pagerOf('/console/blacklist', filters, { page, pageSize: PAGE_SIZE, total: list.total }),
        canPropose: caller.role === 'regulator',
      },
    });
  }

  @Get('new')
  @Access('regulator')
  async newForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.renderNew(request, reply, {}, {}, 200);
  }

  @Post('new')
  @Access('regulator')
  @AcceptsForm()
  async propose(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const t = BLACKLIST_TEXT[lang];
    const fields = formFields(request);
    const input: Record<string, unknown> = filled(fields, [
      'uscc',
      'reasonCode',
      'legalBasis',
      'facts',
      'periodMonths',
      'documentRef',
    ]);
    if (typeof input.periodMonths === 'string' && /^\s*\d{1,4}\s*$/.test(input.periodMonths)) {
      input.periodMonths = Number(input.periodMonths);
    }
    const checked = await checkForm(CreateBlacklistEntryDto, input, lang);
    if (!checked.ok) return this.renderNew(request, reply, fields, checked.errors, 400);
    if (!caller.departmentCode) return this.renderNew(request, reply, fields, { '': t.noDepartment }, 403);
    try {
      const entry = await this.blacklist.propose(checked.value, caller, caller.departmentCode);
      return seeOther(reply, `/console/blacklist/${entry.id}`);
    } catch (error) {
      if (!(error instanceof Problem) || ![403, 404].includes(error.status)) throw error;
      const message = error.status === 404 ? t.notFoundEnterprise : t.outsideDistrict;
      return this.renderNew(request, reply, fields, { uscc: message }, error.status === 404 ? 400 : 403);
    }
  }

  @Get(':id')
  @Access('regulator', 'reviewer', 'admin')
  async entry(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const { entry, moves, daysLeft } = await this.load(id, caller);
    const district = (await this.reference.listDistricts()).find((d) => d.code === entry.districtCode) ?? null;
    return this.pages.render(request, reply, 'blacklist-entry', {
      title: (t) => t.entryTitle.replace('{id}', entry.id),
      text: BLACKLIST_TEXT,
      data: { entry, moves, daysLeft, district, statusLabels: STATUS_LABELS, documents: documentsOf(entry) },
    });
  }

  @Get(':id/documents/:kind')
  @Access('regulator', 'reviewer', 'admin')
  async document(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('kind') kind: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const entry = await this.blacklist.findOne(id, caller);
    const document = await this.documents.view(entry, kind, langOf(request), `/console/blacklist/${entry.id}`);
    return this.pages.render(request, reply, 'blacklist-document', {
      title: (t) => t[`doc_${document.kind}`],
      text: BLACKLIST_TEXT,
      data: document,
    });
  }

  /** An objection's or repair application's evidence file, for the officials who may see the entry. */
  @Get(':id/evidence/:fileId')
  @Access('regulator', 'reviewer', 'admin')
  async evidence(
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('fileId') fileId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    sendEvidence(reply, await this.blacklist.evidenceFile(id, fileId, caller));
  }

  @Get(':id/:move')
  @Access('regulator', 'reviewer')
  async confirm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('move') move: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    if (!isConsoleMove(move)) throw Problem.notFound('Move', move);
    const { entry, moves } = await this.load(id, caller);
    return this.renderConfirm(request, reply, entry, moves, move, {}, {}, 200);
  }

  @Post(':id/:move')
  @Access('regulator', 'reviewer')
  @AcceptsForm()
  async act(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('move') move: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    if (!isConsoleMove(move)) throw Problem.notFound('Move', move);
    const lang = langOf(request);
    const fields = formFields(request);
    const form = moveForm(move);
    const { entry, moves } = await this.load(id, caller);
    const choice = moves.find((m) => m.move === move)!;
    const input: Record<string, unknown> = filled(fields, form.fields);
    if (choice.spec.outcome) input.outcome = choice.spec.outcome;
    const checked = await checkForm(form.dto, input, lang);
    const errors: Record<string, string> = checked.ok ? {} : { ...checked.errors };
    // The console asks more than the API: a note on every decision, a number for a document.
    if (form.fields.includes('note') && !input.note) errors.note = required(lang);
    if (choice.spec.documentRequired && !input.documentRef) errors.documentRef = required(lang);
    if (Object.keys(errors).length > 0 || !checked.ok) {
      return this.renderConfirm(request, reply, entry, moves, move, fields, errors, 400);
    }
    try {
      await this.perform(move, entry.id, choice, checked.value, caller, fields);
    } catch (error) {
      if (!(error instanceof Problem) || error.status >= 500 || error.status === 404) throw error;
      // Refused by the state machine (someone moved first, a deadline passed): the fresh reason.
      const fresh = await this.load(id, caller);
      const now = fresh.moves.find((m) => m.move === move)!;
      const message = now.why ? now.why[lang] : error.localized(lang);
      return this.renderConfirm(request, reply, fresh.entry, fresh.moves, move, fields, { '': message }, error.status);
    }
    return seeOther(reply, `/console/blacklist/${entry.id}`);
  }

  /** The move through the same service method as the API's route for it. */
  private perform(
    move: ConsoleMove,
    id: string,
    choice: MoveChoice,
    value: object,
    caller: Caller,
    fields: Record<string, string>,
  ): Promise<unknown> {
    // The objection or application the person confirmed; a later one is not decided unseen.
    const target = /^\d{1,18}$/.test(fields.targetId ?? '') ? fields.targetId : (choice.targetId ?? '');
    switch (choice.spec.action) {
      case 'notice':
        return this.blacklist.notice(id, value as MoveDto, caller);
      case 'object':
        return this.blacklist.object(id, value as ObjectionDto, caller);
      case 'decideObjection':
        return this.blacklist.decideObjection(id, target, value as ObjectionDecisionDto, caller);
      case 'decide':
        return this.blacklist.decideProposal(id, value as DecisionDto, caller);
      case 'publish':
        return this.blacklist.publish(id, value as MoveDto, caller);
      case 'applyRepair':
        return this.blacklist.applyRepair(id, value as RepairApplicationDto, caller);
      case 'decideRepair':
        return this.blacklist.decideRepair(id, target, value as RepairDecisionDto, caller);
      case 'revoke':
        return this.blacklist.revoke(id, value as RevocationDto, caller);
      case 'withdraw':
        return this.blacklist.withdraw(id, value as MoveDto, caller);
      default:
        throw Problem.notFound('Move', move);
    }
  }

  /** The entry as the API shows it to this caller, the moves open to them now, and the days left to object. */
  private async load(id: string, caller: Caller) {
    const entry = await this.blacklist.findOne(id, caller);
    const now = this.clock.now();
    const moves = movesFor(entry, { role: caller.role, username: caller.actor.name ?? null }, now);
    const daysLeft =
      entry.status === 'noticed' && entry.objectionDeadline
        ? await this.calendar.workingDaysLeft(beijingDay(now), new Date(entry.objectionDeadline))
        : null;
    return { entry, moves, daysLeft };
  }

  private async renderNew(
    request: FastifyRequest,
    reply: FastifyReply,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const reasons = await this.reads.reasons();
    return this.pages.render(request, reply, 'blacklist-new', {
      title: (t) => t.newTitle,
      text: BLACKLIST_TEXT,
      data: { reasons },
      values,
      errors,
      status,
    });
  }

  private renderConfirm(
    request: FastifyRequest,
    reply: FastifyReply,
    entry: BlacklistEntryDto,
    moves: MoveChoice[],
    move: ConsoleMove,
    values: Record<string, string>,
    errors: Record<string, string>,
    status: number,
  ): Promise<void> {
    const choice = moves.find((m) => m.move === move)!;
    const target =
      choice.spec.action === 'decideObjection'
        ? entry.objections.find((o) => o.id === choice.targetId)
        : choice.spec.action === 'decideRepair'
          ? entry.repairApplications.find((a) => a.id === choice.targetId)
          : undefined;
    return this.pages.render(request, reply, 'blacklist-confirm', {
      title: (t) => t.confirmTitle.replace('{move}', choice.spec.label[langOf(request)]).replace('{id}', entry.id),
      text: BLACKLIST_TEXT,
      data: { entry, choice, target, fields: moveForm(move).fields, statusLabels: STATUS_LABELS },
      values,
      errors,
      status: choice.enabled || status !== 200 ? status : 409,
    });
  }
}

const beijingDay = (at: Date | string): string => beijingDate(new Date(at));

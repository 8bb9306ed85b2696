import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../../access/access.decorator';
import { Caller, CurrentCaller } from '../../../access/caller';
import { BlacklistService } from '../../../blacklist/blacklist.service';
import { STATUS_LABELS } from '../../../blacklist/blacklist-moves';
import { EnterpriseBlacklistQuery, ObjectionDto, RepairApplicationDto } from '../../../blacklist/dto/blacklist.dto';
import { sendEvidence } from '../../../blacklist/evidence/evidence-download';
import { EVIDENCE_FIELD, EvidenceStore, FilingUpload } from '../../../blacklist/evidence/evidence-store';
import { REPAIR_COMMITMENT } from '../../../blacklist/repair-commitment';
import { AcceptsForm } from '../../../common/body-limit';
import { AppConfig } from '../../../config/app-config';
import { siteOrigin } from '../../page';
import { attachment } from '../../../common/content-disposition';
import { Problem } from '../../../common/problem';
import { ReportsService } from '../../../disclosure/reports/reports.service';
import { ListRecordsQuery } from '../../../records/dto/record.dto';
import { RecordsService } from '../../../records/records.service';
import { CreditQueriesService } from '../../../sharing/credit-queries.service';
import { ListCreditQueriesQuery } from '../../../sharing/dto/credit-query.dto';
import { BlacklistDocuments } from '../../console/blacklist-documents';
import { BLACKLIST_TEXT } from '../../console/blacklist.text';
import { Bilingual } from '../../console/console-text';
import { ConsolePages, FormShown } from '../../console/console-pages';
import { gradeChartOf } from '../../console/enterprise-file';
import { ENTERPRISES_TEXT } from '../../console/enterprises.text';
import { checkForm, filled, formFields } from '../../console/forms';
import { langOf, pageParam, pagerOf, param, seeOther } from '../../console/page-params';
import { PortalController } from '../portal.decorator';
import { EnterprisePortal } from './enterprise-portal.service';
import { ENTERPRISE_PORTAL_TEXT } from './enterprise-portal.text';

const PAGE_SIZE = 20;
const HOME = '/portal/enterprise';

/** The portal's strings: the enterprise file's and the blacklist's (shared with the console), and its own. */
const TEXT: Bilingual<string> = {
  zh: { ...ENTERPRISES_TEXT.zh, ...BLACKLIST_TEXT.zh, ...ENTERPRISE_PORTAL_TEXT.zh },
  en: { ...ENTERPRISES_TEXT.en, ...BLACKLIST_TEXT.en, ...ENTERPRISE_PORTAL_TEXT.en },
};

/** The filing forms' fields and what each one posts. */
const FILINGS = {
  objection: { fields: ['statement'], dto: ObjectionDto },
  repair: { fields: ['statement', 'evidence', 'commitment'], dto: RepairApplicationDto },
} as const;
type FilingKind = keyof typeof FILINGS;

/**
 * 企业自助: the enterprise user's own file — grade with its factors and what would raise it,
 * records, blacklist matters with their deadlines, documents, objections and repair applications
 * with evidence files, who looked it up, and its signed credit report. Every page reads through
 * the services the API uses, for the enterprise signed in (`uscc` on its principal); another
 * enterprise's matter or file is the 404 page.
 */
@PortalController('enterprise')
export class EnterprisePortalController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly portal: EnterprisePortal,
    private readonly blacklist: BlacklistService,
    private readonly evidence: EvidenceStore,
    private readonly documents: BlacklistDocuments,
    private readonly records: RecordsService,
    private readonly queries: CreditQueriesService,
    private readonly reports: ReportsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Access('enterprise')
  async home(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const overview = await this.portal.overview(ownUscc(caller), caller, langOf(request));
    return this.pages.render(request, reply, 'portal/enterprise-home', {
      title: (t) => t.homeTitle,
      text: TEXT,
      data: (it) => ({ ...overview, chart: gradeChartOf(it, overview.gradeView) }),
    });
  }

  @Get('records')
  @Access('enterprise')
  async recordList(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ) {
    const page = pageParam(params);
    const query = Object.assign(new ListRecordsQuery(), { page, pageSize: PAGE_SIZE });
    const list = await this.records.list(ownUscc(caller), query, null);
    return this.pages.render(request, reply, 'portal/enterprise-records', {
      title: (t) => t.recordsTitle,
      text: TEXT,
      data: { list, pager: pagerOf(`${HOME}/records`, {}, { page, pageSize: PAGE_SIZE, total: list.total }) },
    });
  }

  @Get('entries')
  @Access('enterprise')
  async entryList(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ) {
    const page = pageParam(params);
    const query = Object.assign(new EnterpriseBlacklistQuery(), { page, pageSize: PAGE_SIZE });
    const list = await this.blacklist.listForEnterprise(ownUscc(caller), query, caller);
    const [rows, reasons] = await Promise.all([this.portal.deadlines(list.items), this.portal.reasons()]);
    return this.pages.render(request, reply, 'portal/enterprise-entries', {
      title: (t) => t.entriesTitle,
      text: TEXT,
      data: {
        list,
        rows,
        reasons,
        statusLabels: STATUS_LABELS,
        pager: pagerOf(`${HOME}/entries`, {}, { page, pageSize: PAGE_SIZE, total: list.total }),
      },
    });
  }

  @Get('entries/:id')
  @Access('enterprise')
  async entry(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query() params: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ) {
    const filed = param(params, 'filed');
    return this.renderEntry(request, reply, id, caller, {
      notice: filed === 'objection' || filed === 'repair' ? filed : null,
    });
  }

  @Get('entries/:id/documents/:kind')
  @Access('enterprise')
  async document(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('kind') kind: string,
    @CurrentCaller() caller: Caller,
  ) {
    const entry = await this.blacklist.findOne(id, caller);
    const document = await this.documents.view(entry, kind, langOf(request), `${HOME}/entries/${entry.id}`);
    return this.pages.render(request, reply, 'blacklist-document', {
      title: (t) => t[`doc_${document.kind}`],
      text: BLACKLIST_TEXT,
      data: document,
    });
  }

  @Get('entries/:id/evidence/:fileId')
  @Access('enterprise')
  async evidenceFile(
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('fileId') fileId: string,
    @CurrentCaller() caller: Caller,
  ) {
    sendEvidence(reply, await this.blacklist.evidenceFile(id, fileId, caller));
  }

  /** 陈述申辩: a statement and up to 5 evidence files (multipart), while noticed, before the deadline. */
  @Post('entries/:id/objections')
  @Access('enterprise')
  object(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.file('objection', request, reply, id, caller);
  }

  /** 信用修复申请: grounds, evidence, the commitment accepted; from the earliest repair date. */
  @Post('entries/:id/repair-applications')
  @Access('enterprise')
  applyRepair(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.file('repair', request, reply, id, caller);
  }

  @Get('queries')
  @Access('enterprise')
  async queryLog(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() params: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ) {
    const page = pageParam(params);
    const query = Object.assign(new ListCreditQueriesQuery(), { page, pageSize: PAGE_SIZE });
    const list = await this.queries.list(ownUscc(caller), query);
    return this.pages.render(request, reply, 'portal/enterprise-queries', {
      title: (t) => t.queriesTitle,
      text: TEXT,
      data: { list, pager: pagerOf(`${HOME}/queries`, {}, { page, pageSize: PAGE_SIZE, total: list.total }) },
    });
  }

  @Get('report')
  @Access('enterprise')
  reportPage(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.pages.render(request, reply, 'portal/enterprise-report', {
      title: (t) => t.reportTitle,
      text: TEXT,
      data: { issued: null },
    });
  }

  /** 生成信用报告: issues a signed report of the enterprise's public record and shows it. */
  @Post('report')
  @Access('enterprise')
  @AcceptsForm()
  async issueReport(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const issued = await this.portal.issueReport(ownUscc(caller));
    return this.pages.render(request, reply, 'portal/enterprise-report', {
      title: (t) => t.reportTitle,
      text: TEXT,
      // The verification page for this report's number, for a reader of the printed report to open.
      data: { issued, verifyUrl: `${siteOrigin(this.config, request)}/reports/verify?no=${issued.payload.reportNo}` },
    });
  }

  /**
   * The signed report (the JWS) as a file: the one the page shows, sent back by its form; only a
   * report this site issued, unchanged, of this enterprise.
   */
  @Post('report/download')
  @Access('enterprise')
  @AcceptsForm()
  async downloadReport(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @CurrentCaller() caller: Caller) {
    const report = formFields(request).report ?? '';
    const payload = await this.portal.ownReport(ownUscc(caller), report);
    if (!payload)
      throw Problem.badRequest('not-own-report', {
        en: ENTERPRISE_PORTAL_TEXT.en.reportForeign,
        zh: ENTERPRISE_PORTAL_TEXT.zh.reportForeign,
      });
    void reply
      .header('Content-Type', 'application/jose; charset=utf-8')
      .header('Content-Disposition', attachment(`信用报告-${payload.reportNo}.jws`))
      .header('Cache-Control', 'private, no-store')
      .send(report.trim());
  }

  /**
   * Files an objection or a repair application from its multipart form: the files are read and
   * checked first (the whole body, so a refusal reaches the browser), then the fields, then the
   * same service move as the API's. Anything refused shows the form again with the message beside
   * its field, and no file or row is kept.
   */
  private async file(
    kind: FilingKind,
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    caller: Caller,
  ): Promise<void> {
    const lang = langOf(request);
    const t = TEXT[lang];
    const spec = FILINGS[kind];
    const upload: FilingUpload = await this.evidence.receive(request, spec.fields);
    const values = { ...upload.fields, form: kind };
    // From here, the files received are either filed or discarded.
    try {
      const errors: Record<string, string> = {};
      if (upload.refusal) errors[EVIDENCE_FIELD] = upload.refusal.localized(lang);
      const checked = await checkForm<ObjectionDto | RepairApplicationDto>(
        spec.dto,
        filled(
          upload.fields,
          ['statement', 'evidence'].filter((f) => (spec.fields as readonly string[]).includes(f)),
        ),
        lang,
      );
      if (!checked.ok) Object.assign(errors, checked.errors);
      if (kind === 'repair' && upload.fields.commitment !== 'accepted') errors.commitment = t.commitmentRequired;
      if (Object.keys(errors).length > 0 || !checked.ok) {
        await this.evidence.discard(upload.files);
        const status = upload.refusal?.status ?? 400;
        return await this.renderEntry(request, reply, id, caller, { values, errors, status });
      }
      try {
        if (kind === 'objection') await this.blacklist.object(id, checked.value, caller, upload.files);
        else
          await this.blacklist.applyRepair(id, checked.value as RepairApplicationDto, caller, {
            files: upload.files,
            acceptedCommitment: true,
          });
      } catch (error) {
        // Refused by the state machine (the deadline passed, too early, one pending): the reason.
        if (!(error instanceof Problem) || error.status >= 500 || error.status === 404) throw error;
        // The reason as the page words it (dates in Beijing time), as the console does.
        const fresh = await this.portal.entry(id, caller);
        const move = kind === 'objection' ? fresh.object : fresh.repair;
        const message = !move.enabled && move.why ? move.why[lang] : error.localized(lang);
        return await this.renderEntry(request, reply, id, caller, {
          values,
          errors: { [`${kind}-form`]: t.filingRefused.replace('{why}', message) },
          status: error.status,
        });
      }
    } catch (error) {
      await this.evidence.discard(upload.files);
      throw error;
    }
    return seeOther(reply, `${HOME}/entries/${encodeURIComponent(id)}?filed=${kind}`);
  }

  private async renderEntry(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    caller: Caller,
    options: {
      notice?: FilingKind | null;
    } & FormShown,
  ): Promise<void> {
    const view = await this.portal.entry(id, caller);
    return this.pages.render(request, reply, 'portal/enterprise-entry', {
      title: (t) => t.entryPageTitle.replace('{id}', view.entry.id),
      text: TEXT,
      data: { ...view, notice: options.notice ?? null, commitment: REPAIR_COMMITMENT, statusLabels: STATUS_LABELS },
      values: options.values,
      errors: options.errors,
      status: options.status,
    });
  }
}

/** The enterprise the user acts for; a user without one has nothing here. */
function ownUscc(caller: Caller): string {
  if (!caller.uscc) throw Problem.notFound('Enterprise', '');
  return caller.uscc;
}

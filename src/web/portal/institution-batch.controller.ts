import { Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Access, AuthenticatedRequest } from '../../access/access.decorator';
import { Problem } from '../../common/problem';
import { uuidId } from '../../common/validation';
import { CodeFiles } from '../../imports/code-file';
import { importMessageZh } from '../../imports/import-messages';
import { askerOf } from '../../sharing/asker';
import { MAX_BATCH } from '../../sharing/dto/credit-status.dto';
import { Purpose, PURPOSES } from '../../sharing/purposes';
import { Screening, ScreeningsService } from '../../sharing/screenings.service';
import { ConsolePages } from '../console/console-pages';
import { required } from '../console/forms';
import { attachment, langOf, seeOther } from '../console/page-params';
import { purposeOptions } from './institution-lookup.controller';
import { INSTITUTION_TEXT } from './institution.text';
import { PortalController } from './portal.decorator';
import { resultsCsv, resultsFileName, resultsXlsx } from './screening-files';
import { fileRefusal } from './upload-refusal';

/** A file of codes to screen: 10 000 codes of a CSV are 200 KB; an xlsx with styles may be several times that. */
export const MAX_SCREENING_BYTES = 10 * 1024 * 1024;

/** Rows of each list the result page shows; every row is in the downloads. */
const LISTED = 100;

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The institution of the signed-in user (the portal's routes are the institution role's only). */
const institutionOf = (request: AuthenticatedRequest) => askerOf(request.principal!).institutionId;

/**
 * 批量筛查: an institution's user uploads a CSV or xlsx of up to 10 000 credit codes with a
 * purpose; the codes are read by the imports' readers (CodeFiles) and screened by
 * ScreeningsService, i.e. CreditStatusService.batch, as `POST /api/v1/credit-status/batch`: the same
 * checks and query-log rows. The result is kept for the institution, shown on its page and
 * downloaded as xlsx or CSV; another institution's result is the 404 page.
 */
@PortalController('institution', 'batch')
export class InstitutionBatchController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly files: CodeFiles,
    private readonly screenings: ScreeningsService,
  ) {}

  @Get()
  @Access('institution')
  form(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(request, reply, {});
  }

  @Post()
  @Access('institution')
  async screen(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    const lang = langOf(request);
    let received;
    try {
      received = await this.files.receive(request, { maxBytes: MAX_SCREENING_BYTES, maxCodes: MAX_BATCH });
    } catch (error) {
      const { status, errors } = fileRefusal(error, lang);
      return this.render(request, reply, { status, errors });
    }
    const purpose = received.fields.purpose ?? '';
    if (!(PURPOSES as readonly string[]).includes(purpose))
      return this.render(request, reply, { status: 400, errors: { purpose: required(lang) } });
    const screening = await this.screenings.start(
      askerOf(request.principal!),
      purpose as Purpose,
      received.fileName,
      received.codes,
    );
    return seeOther(reply, `/portal/institution/batch/${screening.id}`);
  }

  @Get(':id')
  @Access('institution')
  async result(
    @Param('id', uuidId) id: string,
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const institution = institutionOf(request);
    const screening = await this.screenings.get(id, institution);
    const lang = langOf(request);
    const notable =
      screening.status === 'completed'
        ? await this.screenings.notable(id, institution, LISTED)
        : { invalid: [], blacklisted: [] };
    return this.pages.render(request, reply, 'portal/institution-screening', {
      title: (t) => t.screeningTitle,
      text: INSTITUTION_TEXT,
      data: (context) => ({
        screening: shown(screening, context.t),
        invalid: notable.invalid.map((r) => ({
          ...r,
          reason: r.reason && lang === 'zh' ? importMessageZh(r.reason) : r.reason,
        })),
        blacklisted: notable.blacklisted,
      }),
    });
  }

  /**
   * The progress part of a screening's page, which htmx fetches every second while it runs; once
   * it has ended, `HX-Refresh` has htmx load the whole page, with the results.
   */
  @Get(':id/progress')
  @Access('institution')
  async progress(
    @Param('id', uuidId) id: string,
    @Req() request: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const screening = await this.screenings.get(id, institutionOf(request));
    if (screening.status !== 'running') void reply.header('HX-Refresh', 'true');
    return this.pages.fragment(request, reply, 'portal/institution-screening-progress', {
      text: INSTITUTION_TEXT,
      data: (context) => ({ screening: shown(screening, context.t) }),
    });
  }

  @Get(':id/results.xlsx')
  @Access('institution')
  async xlsx(@Param('id', uuidId) id: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const lang = langOf(request);
    const { screening, rows } = await this.completed(id, institutionOf(request));
    void reply
      .header('Content-Type', XLSX)
      .header('Content-Disposition', attachment(resultsFileName(screening, lang, 'xlsx')))
      .header('Cache-Control', 'private, no-store')
      .send(await resultsXlsx(screening, rows, lang));
  }

  @Get(':id/results.csv')
  @Access('institution')
  async csv(@Param('id', uuidId) id: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const lang = langOf(request);
    const { screening, rows } = await this.completed(id, institutionOf(request));
    void reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', attachment(resultsFileName(screening, lang, 'csv')))
      .header('Cache-Control', 'private, no-store')
      .send(resultsCsv(rows, lang));
  }

  /** The institution's screening and its rows, once it has completed (409 while it runs or after it failed). */
  private async completed(id: string, institution: string) {
    const screening = await this.screenings.get(id, institution);
    if (screening.status !== 'completed' || !screening.counts)
      throw Problem.conflict('screening-not-completed', {
        en: 'The screening has not completed: there are no results to download',
        zh: '筛查尚未完成，没有可下载的结果',
      });
    return { screening: { ...screening, counts: screening.counts }, rows: await this.screenings.rows(id, institution) };
  }

  private async render(
    request: AuthenticatedRequest,
    reply: FastifyReply,
    form: { status?: number; errors?: Record<string, string>; values?: Record<string, string> },
  ): Promise<void> {
    const recent = await this.screenings.recent(institutionOf(request));
    return this.pages.render(request, reply, 'portal/institution-batch', {
      title: (t) => t.batchTitle,
      text: INSTITUTION_TEXT,
      status: form.status,
      errors: form.errors,
      values: form.values,
      data: (context) => ({ purposes: purposeOptions(context.t, context.t.choosePurpose), recent }),
    });
  }
}

/** A screening as its page shows it: the progress bar's percentage and the status's words. */
function shown(screening: Screening, t: Record<string, string>) {
  return {
    ...screening,
    running: screening.status === 'running',
    percent:
      screening.status === 'running' ? Math.min(99, Math.floor((100 * screening.screened) / screening.total)) : 100,
    statusText: t[`status_${screening.status}`],
  };
}

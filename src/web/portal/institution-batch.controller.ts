import { Get, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Access, AuthenticatedRequest } from '../../access/access.decorator';
import { uuidId } from '../../common/validation';
import { CodeFiles } from '../../imports/code-file';
import { importMessageZh } from '../../imports/import-messages';
import { askerOf } from '../../sharing/asker';
import { MAX_BATCH } from '../../sharing/dto/credit-status.dto';
import { Purpose, PURPOSES } from '../../sharing/purposes';
import { ScreeningsService } from '../../sharing/screenings.service';
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
    const screening = await this.screenings.screen(
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
    const [screening, rows] = await Promise.all([
      this.screenings.get(id, institution),
      this.screenings.rows(id, institution),
    ]);
    const lang = langOf(request);
    return this.pages.render(request, reply, 'portal/institution-screening', {
      title: (t) => t.screeningTitle,
      text: INSTITUTION_TEXT,
      data: {
        screening,
        invalid: rows
          .filter((r) => r.outcome === 'invalid')
          .slice(0, LISTED)
          .map((r) => ({ ...r, reason: r.reason && lang === 'zh' ? importMessageZh(r.reason) : r.reason })),
        blacklisted: rows.filter((r) => r.blacklisted).slice(0, LISTED),
        listed: LISTED,
      },
    });
  }

  @Get(':id/results.xlsx')
  @Access('institution')
  async xlsx(@Param('id', uuidId) id: string, @Req() request: AuthenticatedRequest, @Res() reply: FastifyReply) {
    const lang = langOf(request);
    const institution = institutionOf(request);
    const [screening, rows] = await Promise.all([
      this.screenings.get(id, institution),
      this.screenings.rows(id, institution),
    ]);
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
    const institution = institutionOf(request);
    const [screening, rows] = await Promise.all([
      this.screenings.get(id, institution),
      this.screenings.rows(id, institution),
    ]);
    void reply
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', attachment(resultsFileName(screening, lang, 'csv')))
      .header('Cache-Control', 'private, no-store')
      .send(resultsCsv(rows, lang));
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

import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { fromThisSite } from '../access/page-session';
import { param } from './console/page-params';
import { siteOrigin } from './page';
import { Access } from '../access/access.decorator';
import { AcceptsForm } from '../common/body-limit';
import { attachment } from '../common/content-disposition';
import { Problem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { IssuedReportDto, MAX_REPORT_LENGTH, ReportVerificationDto } from '../disclosure/reports/dto/report.dto';
import { REPORT_NUMBER } from '../disclosure/reports/report-number';
import { ReportIssueLimit } from '../disclosure/reports/report-issue-limit';
import { ReportsService } from '../disclosure/reports/reports.service';
import { WebSession } from './session';

/** What the verification page found for `?no=`: nothing asked, a bad or unknown number, or a verdict. */
type ByNumber =
  | { kind: 'none' }
  | { kind: 'malformed' | 'unknown'; no: string }
  | { kind: 'result'; no: string; result: ReportVerificationDto };

/** A report page may sit in a shared cache this long: a report never changes once issued. */
const REPORT_PAGE_MAX_AGE = 3600;
/** Longer than any report number (`QCR-2026-000123`): anything longer is shown cut. */
const MAX_NUMBER_SHOWN = 40;

/**
 * The credit report's pages: issuing one from the enterprise page's button (a POST, never a GET
 * or HEAD), the readable report at `/reports/{number}` with its QR code and print layout, its
 * signed file, and verification by number or by pasted JWS. Not part of the OpenAPI document; a
 * report that does not exist answers the 404 page.
 */
@ApiExcludeController()
@Access('public')
@Controller()
export class ReportPagesController {
  constructor(
    private readonly reports: ReportsService,
    private readonly limit: ReportIssueLimit,
    private readonly session: WebSession,
    private readonly config: AppConfig,
  ) {}

  /**
   * 签发信用报告: the enterprise page's form. Only from a page of this site (as the sign-in form),
   * so another site cannot have its visitors' browsers issue reports; then 303 to the report.
   */
  @Post('enterprises/:uscc/reports')
  @AcceptsForm()
  async issue(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('uscc') uscc: string): Promise<void> {
    if (!fromThisSite(request)) {
      return this.session.render(request, reply, 'forbidden', (t) => t.forbiddenTitle, { reason: 'site' }, 403);
    }
    return this.session.orProblemPage(request, reply, async () => {
      await this.limit.count(request);
      const issued = await this.reports.issue(uscc);
      void reply.status(303).header('Cache-Control', 'no-store').header('Location', `/reports/${issued.number}`).send();
    });
  }

  /** Issued a report on every GET and HEAD; now the enterprise page, whose button issues one. */
  @Get('enterprises/:uscc/report')
  moved(@Param('uscc') uscc: string, @Res() reply: FastifyReply): void {
    void reply
      .status(303)
      .header('Location', `/enterprises/${encodeURIComponent(uscc)}`)
      .send();
  }

  @Get('reports/verify')
  async verifyForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    // Typed by hand from paper: full-width characters and lower case are read as the number they mean.
    const no = param(query, 'no').normalize('NFKC').trim().toUpperCase();
    // An unknown number is an answer of the verification page (200), like an invalid report.
    const byNumber = await this.byNumber(no);
    return this.session.render(request, reply, 'verify', (t) => t.verifyTitle, {
      no: no.slice(0, MAX_NUMBER_SHOWN),
      byNumber,
      report: '',
      result: null,
    });
  }

  /** The form posts `report` (application/x-www-form-urlencoded, which the app parses). */
  @Post('reports/verify')
  @AcceptsForm()
  async verify(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const field = (request.body as { report?: unknown } | undefined)?.report;
    const report = typeof field === 'string' && field.length <= MAX_REPORT_LENGTH ? field.trim() : '';
    const result = report ? await this.reports.verify(report) : null;
    return this.session.render(request, reply, 'verify', (t) => t.verifyTitle, {
      no: '',
      byNumber: { kind: 'none' },
      report,
      result,
    });
  }

  /** The readable report: what it says, its number, a QR code that opens its verification. */
  @Get('reports/:number')
  report(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('number') number: string): Promise<void> {
    return this.session.orProblemPage(request, reply, async () => {
      let issued: IssuedReportDto;
      try {
        issued = await this.reports.find(number);
      } catch (error) {
        // Issued before reports were kept: the verification page says so, and what can be checked.
        if (error instanceof Problem && error.code === 'report-not-kept') {
          return void reply.status(303).header('Location', `/reports/verify?no=${number}`).send();
        }
        throw error;
      }
      const verifyUrl = `${siteOrigin(this.config, request)}/reports/verify?no=${issued.number}`;
      const qr = await QRCode.toString(verifyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      // Shared caches may keep it only when it holds nothing of the request: nobody signed in
      // (whom the header would name) and the QR's address from PUBLIC_URL, not the Host header.
      if (!(await this.session.viewer(request))) {
        const shared = this.config.publicBaseUrl ? 'public' : 'private';
        void reply.header('Cache-Control', `${shared}, max-age=${REPORT_PAGE_MAX_AGE}`);
      }
      return this.session.render(
        request,
        reply,
        'report',
        (t) => `${t.reportTitle} · ${issued.payload.enterprise.name}`,
        {
          issued,
          p: issued.payload,
          verifyUrl,
          qr: qr.replace('<svg ', '<svg role="img" aria-labelledby="qr-caption" class="qr" '),
        },
      );
    });
  }

  /** The signed report as a file (the JWS), for keeping or for checking with any JOSE library. */
  @Get('reports/:number/jws')
  jws(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('number') number: string): Promise<void> {
    return this.session.orProblemPage(request, reply, async () => {
      const issued: IssuedReportDto = await this.reports.find(number);
      void reply
        .header('Content-Type', 'application/jose; charset=utf-8')
        .header('Content-Disposition', attachment(`信用报告-${issued.number}.jws`))
        .header('Cache-Control', `public, max-age=${REPORT_PAGE_MAX_AGE}`)
        .send(issued.report);
    });
  }

  private async byNumber(no: string): Promise<ByNumber> {
    if (!no) return { kind: 'none' };
    if (!REPORT_NUMBER.test(no)) return { kind: 'malformed', no: no.slice(0, MAX_NUMBER_SHOWN) };
    const result = await this.reports.verifyNumber(no);
    // Not issued and no key named: no report has this number (a kept one that fails names its key).
    return result.reason === 'not-issued' && !result.kid ? { kind: 'unknown', no } : { kind: 'result', no, result };
  }
}

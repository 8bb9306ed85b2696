import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Actor, CurrentActor } from '../../access/actor';
import { Access } from '../../access/access.decorator';
import { Problem } from '../../common/problem';
import {
  CreditReportDto,
  IssuedReportDto,
  JsonWebKeySetDto,
  ReportVerificationDto,
  RotatedKeyDto,
  VerifyReportDto,
} from './dto/report.dto';
import { ReportKeysService } from './report-keys.service';
import { reportIssueMoved, ReportsService } from './reports.service';
import { ReportIssueLimit, REPORTS_PER_HOUR } from './report-issue-limit';

const JOSE = 'application/jose';

/** Whether the client asked for the bare JWS (`Accept: application/jose`). */
const wantsJose = (accept: string | undefined) =>
  !!accept?.split(',').some((type) => type.trim().split(';')[0].toLowerCase() === JOSE);

@ApiTags('Public')
@Controller('api/v1/public')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly limit: ReportIssueLimit,
  ) {}

  @Post('enterprises/:uscc/reports')
  @Access('public')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'issueCreditReport',
    summary:
      "Issue a signed credit report of the enterprise's public record (compact JWS, EdDSA) under a new number; " +
      '`Accept: application/jose` for the bare JWS. Location: where it can be read back',
  })
  @ApiProduces('application/json', JOSE)
  @ApiCreatedResponse({ type: CreditReportDto })
  @ApiBadRequestResponse({ description: 'not a credit code' })
  @ApiNotFoundResponse({ description: 'no such enterprise' })
  @ApiForbiddenResponse({ description: "a browser's post from another site's page" })
  @ApiTooManyRequestsResponse({ description: `more than ${REPORTS_PER_HOUR} reports an hour from one address` })
  async issue(
    @Req() request: FastifyRequest,
    @Param('uscc') uscc: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreditReportDto | string> {
    await this.limit.count(request);
    const issued = await this.reports.issue(uscc);
    reply.header('Cache-Control', 'no-store').header('Location', `/api/v1/public/reports/${issued.number}`);
    if (wantsJose(accept)) {
      reply.header('Content-Type', JOSE);
      return issued.report;
    }
    return issued;
  }

  /** Issued a report on every GET and HEAD: now 410, issuing nothing. */
  @Get('enterprises/:uscc/report')
  @Access('public')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'getCreditReport',
    deprecated: true,
    summary: 'Gone: reports are issued by POST /api/v1/public/enterprises/{uscc}/reports. Issues nothing',
  })
  @ApiGoneResponse({ description: '`report-issue-moved`, pointing to the POST' })
  gone(@Param('uscc') uscc: string): never {
    throw reportIssueMoved(uscc);
  }

  @Get('reports/:number')
  @Access('public')
  @ApiParam({ name: 'number', example: 'QCR-2026-000123' })
  @ApiOperation({
    operationId: 'getIssuedCreditReport',
    summary: 'A report this site issued, by its number, with what it says; `Accept: application/jose` for the bare JWS',
  })
  @ApiProduces('application/json', JOSE)
  @ApiOkResponse({ type: IssuedReportDto })
  @ApiNotFoundResponse({
    description: 'no report with this number (`not-found`), or one issued before reports were kept (`report-not-kept`)',
  })
  async read(
    @Param('number') number: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IssuedReportDto | string> {
    const issued = await this.reports.find(number);
    // A report never changes once issued.
    reply.header('Cache-Control', 'public, max-age=86400, immutable').header('Vary', 'Accept');
    if (wantsJose(accept)) {
      reply.header('Content-Type', JOSE);
      return issued.report;
    }
    return issued;
  }

  @Post('reports/verify')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({
    operationId: 'verifyCreditReport',
    summary:
      'Check a report (`report`, the JWS) or the report kept under a number (`number`): signed by one of our keys ' +
      '(current or retired), over a report number we issued as it reads',
  })
  @ApiOkResponse({ type: ReportVerificationDto, description: 'valid or not, with the reason' })
  @ApiBadRequestResponse({
    description: 'neither or both of `report` and `number`, a report over 100 000 characters, a malformed number',
  })
  verify(@Body() body: VerifyReportDto): Promise<ReportVerificationDto> {
    if ((body.report === undefined) === (body.number === undefined)) {
      throw Problem.badRequest('report-or-number', {
        en: 'Give exactly one of report (the JWS) and number (the report number)',
        zh: '请提供 report（签名报告）或 number（报告编号）二者之一',
      });
    }
    return body.number !== undefined ? this.reports.verifyNumber(body.number) : this.reports.verify(body.report!);
  }
}

@ApiTags('Public')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: ReportKeysService) {}

  @Get('jwks.json')
  @Access('public')
  @ApiOperation({
    operationId: 'getJwks',
    summary: 'The public keys that sign credit reports, the current one and every retired one',
  })
  @ApiOkResponse({ type: JsonWebKeySetDto })
  async jwks(@Res({ passthrough: true }) reply: FastifyReply): Promise<JsonWebKeySetDto> {
    reply.header('Cache-Control', 'public, max-age=300');
    return this.keys.jwks();
  }
}

@ApiTags('Administration')
@Controller('api/v1/report-keys')
export class ReportKeysController {
  constructor(private readonly keys: ReportKeysService) {}

  @Post('rotate')
  @Access('admin')
  @ApiOperation({
    operationId: 'rotateReportKey',
    summary: 'Retire the report signing key (it stays published, so its reports still verify) and make a new one',
  })
  @ApiCreatedResponse({ type: RotatedKeyDto })
  @ApiConflictResponse({ description: 'the key comes from REPORT_SIGNING_KEY' })
  rotate(@CurrentActor() actor: Actor): Promise<RotatedKeyDto> {
    return this.keys.rotate(actor);
  }
}

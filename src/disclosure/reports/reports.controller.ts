import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor, CurrentActor } from '../../access/actor';
import { Access } from '../../access/access.decorator';
import {
  CreditReportDto,
  JsonWebKeySetDto,
  ReportVerificationDto,
  RotatedKeyDto,
  VerifyReportDto,
} from './dto/report.dto';
import { ReportKeysService } from './report-keys.service';
import { ReportsService } from './reports.service';

const JOSE = 'application/jose';

@ApiTags('Public')
@Controller('api/v1/public')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('enterprises/:uscc/report')
  @Access('public')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'getCreditReport',
    summary:
      "A signed credit report of the enterprise's public record (compact JWS, EdDSA); `Accept: application/jose` for the bare JWS",
  })
  @ApiProduces('application/json', JOSE)
  @ApiOkResponse({ type: CreditReportDto })
  @ApiNotFoundResponse({ description: 'no such enterprise' })
  async report(
    @Param('uscc') uscc: string,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreditReportDto | string> {
    const issued = await this.reports.issue(uscc);
    reply.header('Cache-Control', 'no-store');
    if (accept?.split(',').some((type) => type.trim().split(';')[0].toLowerCase() === JOSE)) {
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
      'Check a report: signed by one of our keys (current or retired), over a report number we issued as it reads',
  })
  @ApiOkResponse({ type: ReportVerificationDto, description: 'valid or not, with the reason' })
  @ApiBadRequestResponse({ description: 'no report, or one over 100 000 characters' })
  verify(@Body() body: VerifyReportDto): Promise<ReportVerificationDto> {
    return this.reports.verify(body.report);
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

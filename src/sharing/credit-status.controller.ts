import { Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access, AuthenticatedRequest, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { Idempotent } from '../idempotency/idempotency';
import { askerOf } from './asker';
import { CreditStatusService } from './credit-status.service';
import { AS_OF_DESCRIPTION, BatchStatusDto, BatchStatusRequestDto, CreditStatusDto } from './dto/credit-status.dto';
import { PURPOSES } from './purposes';

@ApiTags('Finance and tax')
@Controller('api/v1/credit-status')
export class CreditStatusController {
  constructor(private readonly status: CreditStatusService) {}

  @Post('batch')
  @HttpCode(200)
  @Access('scope:batch:read', 'institution')
  @Idempotent()
  @ApiOperation({
    operationId: 'screenCreditStatusBatch',
    summary: 'Screen up to 10 000 codes: statuses in request order, unknown and invalid codes listed apart; logged',
  })
  @ApiOkResponse({ type: BatchStatusDto })
  @Header('Content-Type', 'application/json; charset=utf-8')
  // Serialised here to bytes: given the text, Fastify would measure its UTF-8 length and encode
  // it again to write it, each a pass over up to 2 MB.
  async batch(@Body() body: BatchStatusRequestDto, @CurrentPrincipal() principal: Principal): Promise<Buffer> {
    return Buffer.from(JSON.stringify(await this.status.batch(body, askerOf(principal))));
  }

  @Get(':uscc')
  @Access('scope:status:read', 'institution')
  @ApiParam({ name: 'uscc', type: String, example: '91330100799655058B' })
  @ApiQuery({
    name: 'purpose',
    schema: { type: 'string', enum: [...PURPOSES], example: 'loan_application' },
    description: 'why the institution asks; logged with the query',
  })
  @ApiQuery({ name: 'asOf', type: String, required: false, example: '2026-03-01', description: AS_OF_DESCRIPTION })
  @ApiOperation({
    operationId: 'getCreditStatus',
    summary: "An enterprise's grade and blacklist status, now or ?asOf= a past time; logged",
  })
  @ApiOkResponse({ type: CreditStatusDto })
  // The request whole, not @Param/@Query/@CurrentPrincipal: each of those goes through the global
  // pipe chain, about a tenth of this route's CPU; the service checks the code and query itself.
  one(@Req() request: AuthenticatedRequest & { params: { uscc: string } }): Promise<CreditStatusDto> {
    return this.status.one(request.params.uscc, request.query as Record<string, unknown>, askerOf(request.principal!));
  }
}

import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../identity/access.decorator';
import { Principal } from '../identity/principal';
import { askerOf } from './asker';
import { CreditStatusService } from './credit-status.service';
import { BatchStatusDto, BatchStatusRequestDto, CreditStatusDto, CreditStatusQuery } from './dto/credit-status.dto';

@ApiTags('Finance and tax')
@Controller('api/v1/credit-status')
export class CreditStatusController {
  constructor(private readonly status: CreditStatusService) {}

  @Post('batch')
  @HttpCode(200)
  @Access('scope:batch:read', 'institution')
  @ApiOperation({
    summary: 'Screen up to 10 000 codes: statuses in request order, unknown and invalid codes listed apart; logged',
  })
  @ApiOkResponse({ type: BatchStatusDto })
  batch(@Body() body: BatchStatusRequestDto, @CurrentPrincipal() principal: Principal): Promise<BatchStatusDto> {
    return this.status.batch(body, askerOf(principal));
  }

  @Get(':uscc')
  @Access('scope:status:read', 'institution')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({ summary: "An enterprise's grade and blacklist status, now or ?asOf= a past time; logged" })
  @ApiOkResponse({ type: CreditStatusDto })
  one(
    @Param('uscc') uscc: string,
    @Query() query: CreditStatusQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreditStatusDto> {
    return this.status.one(uscc, query, askerOf(principal));
  }
}

import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiPage, Page } from '../common/pagination';
import { Access } from '../access/access.decorator';
import { CreditQueriesService } from './credit-queries.service';
import { CreditQueryDto, ListCreditQueriesQuery } from './dto/credit-query.dto';

@ApiTags('Finance and tax')
@Controller('api/v1/enterprises/:uscc/queries')
export class CreditQueriesController {
  constructor(private readonly queries: CreditQueriesService) {}

  @Get()
  @Access('enterprise:own', 'admin')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'listEnterpriseQueries',
    summary: 'Who looked the enterprise up: institution, purpose and time, newest first',
  })
  @ApiPage(CreditQueryDto)
  list(@Param('uscc') uscc: string, @Query() query: ListCreditQueriesQuery): Promise<Page<CreditQueryDto>> {
    return this.queries.list(uscc, query);
  }
}

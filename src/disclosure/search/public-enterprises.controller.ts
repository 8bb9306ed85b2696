import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Access } from '../../access/access.decorator';
import { PublicEnterpriseDto, PublicSearchPageDto, PublicSearchQuery } from './dto/public-enterprise.dto';
import { PublicEnterprisesService } from './public-enterprises.service';
import { SEARCH_WINDOW } from './public-search.repository';

@ApiTags('Public')
@Controller('api/v1/public/enterprises')
export class PublicEnterprisesController {
  constructor(private readonly enterprises: PublicEnterprisesService) {}

  @Get()
  @Access('public')
  @ApiOperation({
    operationId: 'searchPublicEnterprises',
    summary: 'Find enterprises by a name fragment (one character or more, anywhere) or a credit code or its beginning',
    description: `Ranked: the exact code, codes starting with the query, names starting with it, then names holding it. The first ${SEARCH_WINDOW} matches are counted and paged.`,
  })
  @ApiOkResponse({ type: PublicSearchPageDto })
  @ApiBadRequestResponse({ description: 'empty or too long `q`, or a page past the search window' })
  @ApiTooManyRequestsResponse({ description: 'too many requests from this address' })
  search(@Query() query: PublicSearchQuery): Promise<PublicSearchPageDto> {
    return this.enterprises.search(query);
  }

  @Get(':uscc')
  @Access('public')
  @ApiOperation({
    operationId: 'getPublicEnterprise',
    summary: "An enterprise's public page: its blacklist entries in force and its disclosed records",
  })
  @ApiParam({ name: 'uscc', description: 'credit code', example: '91330100799655058B' })
  @ApiOkResponse({ type: PublicEnterpriseDto })
  @ApiBadRequestResponse({ description: 'not a credit code' })
  @ApiNotFoundResponse({ description: 'no enterprise has this code' })
  findOne(@Param('uscc') uscc: string): Promise<PublicEnterpriseDto> {
    return this.enterprises.enterprise(uscc);
  }
}

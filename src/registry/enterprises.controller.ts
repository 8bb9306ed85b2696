import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiPage, Page } from '../common/pagination';
import { Access } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { CreateEnterpriseDto, EnterpriseDto, ListEnterprisesQuery, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { EnterprisesService } from './enterprises.service';

const UsccParam = () => ApiParam({ name: 'uscc', description: 'credit code', example: '91330100799655058B' });

@ApiTags('Registry')
@Controller('api/v1/enterprises')
export class EnterprisesController {
  constructor(private readonly enterprises: EnterprisesService) {}

  @Post()
  @Access('regulator', 'admin')
  @ApiOperation({
    operationId: 'createEnterprise',
    summary: 'Register an enterprise (a district-level regulator: in their district only)',
  })
  @ApiCreatedResponse({ type: EnterpriseDto })
  @ApiBadRequestResponse({ description: 'invalid fields, each named in `errors`' })
  @ApiConflictResponse({ description: 'the credit code is already registered' })
  create(@Body() body: CreateEnterpriseDto, @CurrentCaller() caller: Caller): Promise<EnterpriseDto> {
    return this.enterprises.create(body, caller.actor, caller.jurisdiction);
  }

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  @ApiOperation({ operationId: 'listEnterprises', summary: 'Search the register by name fragment or credit code' })
  @ApiPage(EnterpriseDto)
  search(@Query() query: ListEnterprisesQuery, @CurrentCaller() caller: Caller): Promise<Page<EnterpriseDto>> {
    return this.enterprises.search(query, caller.jurisdiction);
  }

  @Get(':uscc')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiOperation({ operationId: 'getEnterprise', summary: "An enterprise's file" })
  @UsccParam()
  @ApiOkResponse({ type: EnterpriseDto })
  @ApiNotFoundResponse({ description: 'no enterprise has this code' })
  findOne(@Param('uscc') uscc: string, @CurrentCaller() caller: Caller): Promise<EnterpriseDto> {
    return this.enterprises.findOne(uscc, caller.jurisdiction);
  }

  @Patch(':uscc')
  @Access('regulator', 'admin')
  @ApiOperation({ operationId: 'updateEnterprise', summary: 'Change name, address, legal representative or status' })
  @UsccParam()
  @ApiOkResponse({ type: EnterpriseDto })
  @ApiNotFoundResponse({ description: 'no enterprise has this code' })
  update(
    @Param('uscc') uscc: string,
    @Body() body: UpdateEnterpriseDto,
    @CurrentCaller() caller: Caller,
  ): Promise<EnterpriseDto> {
    return this.enterprises.update(uscc, body, caller.actor, caller.jurisdiction);
  }
}

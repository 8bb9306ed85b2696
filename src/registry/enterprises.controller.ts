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
import { Actor, CurrentActor } from '../audit/actor';
import { Access, CurrentPrincipal } from '../identity/access.decorator';
import { jurisdiction, Principal } from '../identity/principal';
import { CreateEnterpriseDto, EnterpriseDto, ListEnterprisesQuery, UpdateEnterpriseDto } from './dto/enterprise.dto';
import { EnterprisesService } from './enterprises.service';

const UsccParam = () => ApiParam({ name: 'uscc', description: 'credit code', example: '91330100799655058B' });

@ApiTags('Registry')
@Controller('api/v1/enterprises')
export class EnterprisesController {
  constructor(private readonly enterprises: EnterprisesService) {}

  @Post()
  @Access('regulator', 'admin')
  @ApiOperation({ summary: 'Register an enterprise (a district-level regulator: in their district only)' })
  @ApiCreatedResponse({ type: EnterpriseDto })
  @ApiBadRequestResponse({ description: 'invalid fields, each named in `errors`' })
  @ApiConflictResponse({ description: 'the credit code is already registered' })
  create(
    @Body() body: CreateEnterpriseDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnterpriseDto> {
    return this.enterprises.create(body, actor, jurisdiction(principal));
  }

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  @ApiOperation({ summary: 'Search the register by name fragment or credit code' })
  @ApiPage(EnterpriseDto)
  search(@Query() query: ListEnterprisesQuery, @CurrentPrincipal() principal: Principal): Promise<Page<EnterpriseDto>> {
    return this.enterprises.search(query, jurisdiction(principal));
  }

  @Get(':uscc')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiOperation({ summary: "An enterprise's file" })
  @UsccParam()
  @ApiOkResponse({ type: EnterpriseDto })
  @ApiNotFoundResponse({ description: 'no enterprise has this code' })
  findOne(@Param('uscc') uscc: string, @CurrentPrincipal() principal: Principal): Promise<EnterpriseDto> {
    return this.enterprises.findOne(uscc, jurisdiction(principal));
  }

  @Patch(':uscc')
  @Access('regulator', 'admin')
  @ApiOperation({ summary: 'Change name, address, legal representative or status' })
  @UsccParam()
  @ApiOkResponse({ type: EnterpriseDto })
  @ApiNotFoundResponse({ description: 'no enterprise has this code' })
  update(
    @Param('uscc') uscc: string,
    @Body() body: UpdateEnterpriseDto,
    @CurrentActor() actor: Actor,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnterpriseDto> {
    return this.enterprises.update(uscc, body, actor, jurisdiction(principal));
  }
}

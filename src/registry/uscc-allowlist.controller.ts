import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { Access } from '../access/access.decorator';
import { AllowListEntryDto, CreateAllowListEntryDto } from './dto/allowlist.dto';
import { UsccAllowListService } from './uscc-allowlist.service';

@ApiTags('Administration')
@Controller('api/v1/uscc-allowlist')
export class UsccAllowListController {
  constructor(private readonly allowList: UsccAllowListService) {}

  @Post()
  @Access('admin')
  @ApiOperation({
    operationId: 'addAllowlistedUscc',
    summary: 'Allow a legacy credit code that fails its check character, with a reason',
  })
  @ApiCreatedResponse({ type: AllowListEntryDto })
  add(@Body() body: CreateAllowListEntryDto, @CurrentActor() actor: Actor): Promise<AllowListEntryDto> {
    return this.allowList.add(body, actor);
  }

  @Get()
  @Access('admin', 'regulator', 'reviewer')
  @ApiOperation({ operationId: 'listAllowlistedUsccs', summary: 'The allowed legacy codes and why' })
  @ApiOkResponse({ type: [AllowListEntryDto] })
  list(): Promise<AllowListEntryDto[]> {
    return this.allowList.list();
  }
}

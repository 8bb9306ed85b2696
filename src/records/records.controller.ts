import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../audit/actor';
import { ApiPage, Page } from '../common/pagination';
import { Problem } from '../common/problem';
import { Access, CurrentPrincipal } from '../identity/access.decorator';
import { jurisdiction, Principal } from '../identity/principal';
import { CorrectRecordDto, CreateRecordDto, ListRecordsQuery, RecordDto } from './dto/record.dto';
import { Recorder, RecordsService } from './records.service';

/** The caller as a recorder (their department and district), for records and imports alike. */
export function recorder(principal: Principal, actor: Actor): Recorder {
  if (principal.kind !== 'user' || !principal.departmentCode)
    throw Problem.forbidden('Records are made by a regulator of a department');
  return { actor, departmentCode: principal.departmentCode, jurisdiction: jurisdiction(principal) };
}

@ApiTags('Credit records')
@Controller('api/v1')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Post('enterprises/:uscc/records')
  @Access('regulator')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({ summary: "Record a quality-credit event; the department is the caller's" })
  @ApiCreatedResponse({ type: RecordDto })
  create(
    @Param('uscc') uscc: string,
    @Body() body: CreateRecordDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ): Promise<RecordDto> {
    return this.records.create(uscc, body, recorder(principal, actor));
  }

  @Get('enterprises/:uscc/records')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({ summary: "An enterprise's records, newest first, superseded ones included and marked" })
  @ApiPage(RecordDto)
  list(
    @Param('uscc') uscc: string,
    @Query() query: ListRecordsQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Page<RecordDto>> {
    return this.records.list(uscc, query, jurisdiction(principal));
  }

  @Post('records/:id/corrections')
  @Access('regulator')
  @ApiParam({ name: 'id', example: '1042' })
  @ApiOperation({
    summary: 'Withdraw or amend a record: a new record supersedes it (recording department or its successor only)',
  })
  @ApiCreatedResponse({ type: RecordDto })
  correct(
    @Param('id') id: string,
    @Body() body: CorrectRecordDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ): Promise<RecordDto> {
    return this.records.correct(id, body, recorder(principal, actor));
  }
}

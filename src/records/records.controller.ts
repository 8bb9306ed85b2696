import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiPage, Page } from '../common/pagination';
import { Access } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { CorrectRecordDto, CreateRecordDto, ListRecordsQuery, RecordDto } from './dto/record.dto';
import { recorder } from './recorder';
import { RecordsService } from './records.service';

@ApiTags('Credit records')
@Controller('api/v1')
export class RecordsController {
  constructor(private readonly records: RecordsService) {}

  @Post('enterprises/:uscc/records')
  @Access('regulator')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'createRecord',
    summary: "Record a quality-credit event; the department is the caller's",
  })
  @ApiCreatedResponse({ type: RecordDto })
  create(
    @Param('uscc') uscc: string,
    @Body() body: CreateRecordDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RecordDto> {
    return this.records.create(uscc, body, recorder(caller));
  }

  @Get('enterprises/:uscc/records')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'listRecords',
    summary: "An enterprise's records, newest first, superseded ones included and marked",
  })
  @ApiPage(RecordDto)
  list(
    @Param('uscc') uscc: string,
    @Query() query: ListRecordsQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<Page<RecordDto>> {
    return this.records.list(uscc, query, caller.jurisdiction);
  }

  @Post('records/:id/corrections')
  @Access('regulator')
  @ApiParam({ name: 'id', example: '1042' })
  @ApiOperation({
    operationId: 'correctRecord',
    summary: 'Withdraw or amend a record: a new record supersedes it (recording department or its successor only)',
  })
  @ApiCreatedResponse({ type: RecordDto })
  correct(
    @Param('id') id: string,
    @Body() body: CorrectRecordDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RecordDto> {
    return this.records.correct(id, body, recorder(caller));
  }
}

import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PollAt } from '../common/poll-location';
import { UuidParam, uuidId } from '../common/validation';
import { Access } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { Idempotent } from '../idempotency/idempotency';
import { recorder } from '../records/recorder';
import { ImportDto, ImportQuery } from './dto/import.dto';
import { IMPORT_KINDS, IMPORT_MODES } from './import-kinds';
import { ImportsService } from './imports.service';

@ApiTags('Credit records')
@Controller('api/v1/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post()
  @HttpCode(202)
  @Access('regulator')
  @Idempotent('handler')
  @ApiOperation({
    operationId: 'createImport',
    summary:
      'Upload a CSV (UTF-8 or GBK/GB18030) or .xlsx of records or enterprises (header row of the API field names or their Chinese headers, up to 200 MB); processed in the background. A file that cannot be read at all is refused with 400 unreadable-file',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'the CSV or .xlsx file' },
        kind: { type: 'string', enum: [...IMPORT_KINDS], example: 'records' },
        mode: { type: 'string', enum: [...IMPORT_MODES], example: 'partial' },
      },
    },
  })
  @ApiAcceptedResponse({ type: ImportDto })
  @PollAt<ImportDto>(
    (answer) => `/api/v1/imports/${answer.id}`,
    'the import: GET it for its status and counts',
    '/api/v1/imports/c7e2a1b4-3d5f-4e6a-8b9c-1d2e3f4a5b6c',
  )
  upload(
    @Req() request: FastifyRequest,
    @Query() query: ImportQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<ImportDto> {
    return this.imports.receive(request, query, recorder(caller));
  }

  @Get(':id')
  @UuidParam('c7e2a1b4-3d5f-4e6a-8b9c-1d2e3f4a5b6c')
  @Access('regulator', 'admin')
  @ApiOperation({
    operationId: 'getImport',
    summary: 'An import: status, progress, counts and the bad rows with line, field and message',
  })
  @ApiOkResponse({ type: ImportDto })
  get(@Param('id', uuidId) id: string, @CurrentCaller() caller: Caller): Promise<ImportDto> {
    const viewer = caller.userId ? { userId: caller.userId, admin: caller.role === 'admin' } : undefined;
    return this.imports.get(id, viewer);
  }
}

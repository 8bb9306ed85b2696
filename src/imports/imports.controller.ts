import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor, CurrentActor } from '../audit/actor';
import { uuidId } from '../common/validation';
import { Access, CurrentPrincipal } from '../identity/access.decorator';
import { Principal } from '../identity/principal';
import { recorder } from '../records/records.controller';
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
  @ApiOperation({
    summary:
      'Upload a CSV of records or enterprises (UTF-8, header row of the API field names, up to 200 MB); processed in the background',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        kind: { type: 'string', enum: [...IMPORT_KINDS] },
        mode: { type: 'string', enum: [...IMPORT_MODES] },
      },
    },
  })
  @ApiAcceptedResponse({ type: ImportDto })
  upload(
    @Req() request: FastifyRequest,
    @Query() query: ImportQuery,
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
  ): Promise<ImportDto> {
    return this.imports.receive(request, query, recorder(principal, actor));
  }

  @Get(':id')
  @Access('regulator', 'admin')
  @ApiOperation({ summary: 'An import: status, progress, counts and the bad rows with line, field and message' })
  @ApiOkResponse({ type: ImportDto })
  get(@Param('id', uuidId) id: string, @CurrentPrincipal() principal: Principal): Promise<ImportDto> {
    const viewer =
      principal.kind === 'user' ? { userId: principal.userId, admin: principal.role === 'admin' } : undefined;
    return this.imports.get(id, viewer);
  }
}

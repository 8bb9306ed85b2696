import { Body, Controller, Get, HttpCode, Param, Post, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentActor } from '../../access/actor';
import { jobAddress, PollAt } from '../../common/poll-location';
import { Problem } from '../../common/problem';
import { Access, CurrentPrincipal } from '../../access/access.decorator';
import { Principal } from '../../access/principal';
import { ExportDayDto, ExportManifestDto, ExportRerunDto, ExportRunDto } from './dto/export.dto';
import { ExportsService } from './exports.service';

/** The department whose exports a caller reads: its key's. */
function departmentOf(principal: Principal): string {
  if (principal.kind !== 'key')
    throw Problem.forbidden({
      en: 'Exports are read with an institution API key',
      zh: '数据导出须使用机构的 API 密钥读取',
    });
  return principal.departmentCode;
}

@ApiTags('Finance and tax')
@Controller('api/v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get()
  @Access('scope:feed:read')
  @ApiOperation({ operationId: 'listExports', summary: "The days exported for the caller's department, newest first" })
  @ApiOkResponse({ type: [ExportDayDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<ExportDayDto[]> {
    return this.exports.list(departmentOf(principal));
  }

  @Get(':date')
  @Access('scope:feed:read')
  @ApiParam({ name: 'date', example: '2026-03-02' })
  @ApiOperation({
    operationId: 'getExportManifest',
    summary: "A day's manifest: its files with rows, size and SHA-256",
  })
  @ApiOkResponse({ type: ExportManifestDto })
  manifest(@Param('date') date: string, @CurrentPrincipal() principal: Principal): Promise<ExportManifestDto> {
    return this.exports.manifest(departmentOf(principal), date);
  }

  @Post(':date')
  @HttpCode(202)
  @Access('admin')
  @ApiParam({ name: 'date', example: '2026-03-02' })
  @ApiOperation({
    operationId: 'rerunExport',
    summary:
      'Write a Beijing day\'s export again (after a failed night) for each consuming department whose day is missing or incomplete; with {"force": true}, for every one. The day must be over',
  })
  @ApiBody({ type: ExportRerunDto, required: false })
  @ApiAcceptedResponse({ type: ExportRunDto })
  @PollAt(jobAddress, 'the job writing the day: GET it for its state', '/api/v1/jobs/export:2026-03-02:5f0c9b1e')
  rerun(
    @Param('date') date: string,
    @Body() body: ExportRerunDto,
    @CurrentActor() actor: Actor,
  ): Promise<ExportRunDto> {
    return this.exports.rerun(date, actor, body.force ?? false);
  }

  @Get(':date/:file')
  @Access('scope:feed:read')
  @ApiParam({ name: 'date', example: '2026-03-02' })
  @ApiParam({ name: 'file', example: 'changes.csv.gz' })
  @ApiOperation({ operationId: 'getExportFile', summary: 'One file of a day (gzip), as its manifest lists it' })
  @ApiProduces('application/gzip')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  file(
    @Param('date') date: string,
    @Param('file') file: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<StreamableFile> {
    return this.exports.file(departmentOf(principal), date, file);
  }
}

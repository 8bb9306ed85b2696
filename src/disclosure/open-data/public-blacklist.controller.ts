import { applyDecorators, Controller, Get, Param, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPage, Page } from '../../common/pagination';
import { AppConfig } from '../../config/app-config';
import { Access } from '../../access/access.decorator';
import { httpDate, notModified } from './conditional';
import {
  PublicBlacklistEntryDto,
  PublicBlacklistEntrySummaryDto,
  PublicBlacklistQuery,
} from './dto/public-blacklist.dto';
import { OpenDataFormat, PublicBlacklistService } from './public-blacklist.service';

const Conditional = () =>
  applyDecorators(
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'the ETag of an earlier answer',
      example: 'W/"1042-2026-03-20T01:00:00.000Z"',
    }),
    ApiHeader({
      name: 'If-Modified-Since',
      required: false,
      description: 'the Last-Modified of an earlier answer',
      example: 'Fri, 20 Mar 2026 01:00:00 GMT',
    }),
    ApiResponse({ status: 304, description: 'the list has not changed since' }),
  );

const CONTENT_TYPES: Record<OpenDataFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
};

/**
 * The blacklist as everyone reads it: published entries only. The files' routes are declared
 * before `blacklist/:id` and are static paths, so `blacklist.csv` is never taken for an id.
 */
@ApiTags('Public')
@Controller('api/v1/public')
export class PublicBlacklistController {
  constructor(
    private readonly blacklist: PublicBlacklistService,
    private readonly config: AppConfig,
  ) {}

  @Get('blacklist')
  @Access('public')
  @ApiOperation({
    operationId: 'listPublicBlacklist',
    summary: 'Published entries, newest publication first; filter by name or code, district, reason, year',
  })
  @ApiPage(PublicBlacklistEntrySummaryDto)
  list(@Query() query: PublicBlacklistQuery): Promise<Page<PublicBlacklistEntrySummaryDto>> {
    return this.blacklist.list(query);
  }

  @Get('blacklist.csv')
  @Access('public')
  @ApiOperation({
    operationId: 'getPublicBlacklistCsv',
    summary:
      'Open data: every published entry as CSV (UTF-8 with BOM; header 中文名/fieldName), streamed, with ETag and Last-Modified',
  })
  @ApiProduces(CONTENT_TYPES.csv)
  @ApiOkResponse({ description: 'the CSV file' })
  @Conditional()
  csv(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.file(
      'csv',
      request,
      reply,
      () => new StreamableFile(this.blacklist.csv(), { disposition: 'attachment; filename="blacklist.csv"' }),
    );
  }

  @Get('blacklist.json')
  @Access('public')
  @ApiOperation({
    operationId: 'getPublicBlacklistJson',
    summary:
      'Open data: every published entry as a JSON array (the entry shape), streamed, with ETag and Last-Modified',
  })
  @ApiOkResponse({ type: [PublicBlacklistEntryDto] })
  @Conditional()
  json(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.file('json', request, reply, () => new StreamableFile(this.blacklist.json()));
  }

  @Get('blacklist.atom')
  @Access('public')
  @ApiOperation({
    operationId: 'getPublicBlacklistAtom',
    summary:
      'Atom feed of the latest 100 publications and removals (on expiry or revocation; a repaired listing leaves no trace)',
  })
  @ApiProduces(CONTENT_TYPES.atom)
  @ApiOkResponse({ description: 'the Atom document' })
  @Conditional()
  atom(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    // PUBLIC_URL, or links relative to the feed's own site: never the request's Host header.
    return this.file('atom', request, reply, (lastModified) =>
      this.blacklist.atom(this.config.publicBaseUrl, lastModified),
    );
  }

  @Get('blacklist/:id')
  @Access('public')
  @ApiParam({ name: 'id', example: '12' })
  @ApiOperation({
    operationId: 'getPublicBlacklistEntry',
    summary: 'A published entry: reason, legal basis, facts, authority, publication and expiry',
  })
  @ApiOkResponse({ type: PublicBlacklistEntryDto })
  @ApiNotFoundResponse({ description: 'no such entry, or not published (proposed, rejected, withdrawn, removed …)' })
  findOne(@Param('id') id: string): Promise<PublicBlacklistEntryDto> {
    return this.blacklist.findOne(id);
  }

  /** Validators first; a 304 when the client's copy is current, else the body from `make`. */
  private async file<T>(
    format: OpenDataFormat,
    request: FastifyRequest,
    reply: FastifyReply,
    make: (lastModified: Date) => T | Promise<T>,
  ): Promise<T | undefined> {
    const validators = await this.blacklist.validators(format);
    void reply
      .header('ETag', validators.etag)
      .header('Last-Modified', httpDate(validators.lastModified))
      .header('Cache-Control', 'public, no-cache');
    const { 'if-none-match': ifNoneMatch, 'if-modified-since': ifModifiedSince } = request.headers;
    if (notModified(validators, ifNoneMatch, ifModifiedSince)) {
      void reply.status(304);
      return undefined;
    }
    void reply.header('Content-Type', CONTENT_TYPES[format]);
    return make(validators.lastModified);
  }
}

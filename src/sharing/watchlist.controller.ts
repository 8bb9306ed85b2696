import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { BodyLimit } from '../common/body-limit';
import { ApiPage, Page } from '../common/pagination';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { Principal } from '../access/principal';
import { askerOf, institutionOf } from './asker';
import {
  ListWatchlistQuery,
  MAX_WATCHLIST,
  WatchlistChangeDto,
  WatchlistCodesDto,
  WatchlistItemDto,
} from './dto/watchlist.dto';
import { WatchlistService } from './watchlist.service';

/**
 * A full list of codes, as a client would write it: 24 bytes a code is an 18-character code in
 * quotes with a comma, a line break and some indentation (compact JSON takes 21); 1 KiB for the rest.
 */
const WATCHLIST_BODY_LIMIT = MAX_WATCHLIST * 24 + 1024;

@ApiTags('Finance and tax')
@Controller('api/v1/watchlist')
export class WatchlistController {
  constructor(private readonly watchlist: WatchlistService) {}

  @Get()
  @Access('scope:feed:read')
  @ApiOperation({ operationId: 'listWatchlist', summary: "The institution's watched codes, by code" })
  @ApiPage(WatchlistItemDto)
  list(@Query() query: ListWatchlistQuery, @CurrentPrincipal() principal: Principal): Promise<Page<WatchlistItemDto>> {
    return this.watchlist.list(askerOf(principal).institutionId, query);
  }

  @Put()
  @Access('scope:feed:read')
  @BodyLimit(WATCHLIST_BODY_LIMIT, MAX_WATCHLIST + 1)
  @ApiOperation({
    operationId: 'replaceWatchlist',
    summary: 'Replace the watched codes (up to 1 000 000); any bad code refuses the whole list',
  })
  @ApiOkResponse({ type: WatchlistChangeDto })
  replace(@Body() body: WatchlistCodesDto, @CurrentCaller() caller: Caller): Promise<WatchlistChangeDto> {
    return this.watchlist.replace(institutionOf(caller), body.usccs, caller.actor);
  }

  @Post('items')
  @HttpCode(200)
  @Access('scope:feed:read')
  @BodyLimit(WATCHLIST_BODY_LIMIT, MAX_WATCHLIST + 1)
  @ApiOperation({
    operationId: 'addWatchlistItems',
    summary: 'Add codes to the watchlist; codes already on it stay as they are',
  })
  @ApiOkResponse({ type: WatchlistChangeDto })
  add(@Body() body: WatchlistCodesDto, @CurrentCaller() caller: Caller): Promise<WatchlistChangeDto> {
    return this.watchlist.add(institutionOf(caller), body.usccs, caller.actor);
  }

  @Delete('items/:uscc')
  @HttpCode(204)
  @Access('scope:feed:read')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'removeWatchlistItem',
    summary: 'Take one code off the watchlist (404 if it is not on it)',
  })
  @ApiNoContentResponse({ description: 'removed' })
  remove(@Param('uscc') uscc: string, @CurrentCaller() caller: Caller): Promise<void> {
    return this.watchlist.remove(institutionOf(caller), uscc, caller.actor);
  }
}

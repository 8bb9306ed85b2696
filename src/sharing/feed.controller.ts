import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { askerOf } from './asker';
import { FeedDto, FeedQuery } from './dto/feed.dto';
import { FeedService } from './feed.service';

@ApiTags('Finance and tax')
@Controller('api/v1/feed')
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  @Get()
  @Access('scope:feed:read')
  @ApiOperation({
    operationId: 'listFeed',
    summary:
      'Change events after a seq, ascending; poll with nextAfter and nothing is missed, even when writers commit out of order',
  })
  @ApiOkResponse({ type: FeedDto })
  read(@Query() query: FeedQuery, @CurrentPrincipal() principal: Principal): Promise<FeedDto> {
    return this.feed.read(query, askerOf(principal).institutionId);
  }
}

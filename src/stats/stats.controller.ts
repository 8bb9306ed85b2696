import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { StatsOverviewDto } from './dto/stats-overview.dto';
import { StatsService } from './stats.service';

@ApiTags('Audit and operations')
@Controller('api/v1/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @Access('regulator', 'reviewer', 'admin')
  @ApiOperation({
    operationId: 'getStatsOverview',
    summary:
      'Grades by district, blacklist publications and removals by month, and the spot-check pass rate against the 92 % target',
  })
  @ApiOkResponse({ type: StatsOverviewDto })
  overview(): Promise<StatsOverviewDto> {
    return this.stats.overview();
  }
}

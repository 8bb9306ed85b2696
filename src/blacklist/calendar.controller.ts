import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { Access } from '../access/access.decorator';
import { CalendarService } from './calendar.service';
import { CalendarDayDto, CalendarQuery, SetCalendarDayDto } from './dto/calendar.dto';

const DateParam = () => ApiParam({ name: 'date', example: '2026-10-08', description: 'YYYY-MM-DD' });

@ApiTags('Calendar')
@Controller('api/v1/calendar/days')
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @Get()
  @Access('public')
  @ApiOperation({
    operationId: 'listCalendarDays',
    summary:
      'Days that differ from the weekend rule (weekday holidays, weekend days worked in exchange), from which deadlines are counted',
  })
  @ApiOkResponse({ type: [CalendarDayDto] })
  list(@Query() query: CalendarQuery): Promise<CalendarDayDto[]> {
    return this.calendar.list(query);
  }

  @Put(':date')
  @Access('admin')
  @DateParam()
  @ApiOperation({
    operationId: 'setCalendarDay',
    summary: 'List a weekday as a holiday or a weekend day as worked; applies to deadlines set after',
  })
  @ApiOkResponse({ type: CalendarDayDto })
  set(@Param('date') date: string, @Body() body: SetCalendarDayDto, @CurrentActor() actor: Actor) {
    return this.calendar.set(date, body, actor);
  }

  @Delete(':date')
  @HttpCode(204)
  @Access('admin')
  @DateParam()
  @ApiOperation({ operationId: 'deleteCalendarDay', summary: 'Return a day to the weekend rule' })
  @ApiNoContentResponse({ description: 'removed' })
  remove(@Param('date') date: string, @CurrentActor() actor: Actor): Promise<void> {
    return this.calendar.remove(date, actor);
  }
}

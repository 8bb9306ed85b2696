import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { Caller, CurrentCaller } from '../access/caller';
import { ClassificationService } from './classification.service';
import { ClassificationDto, ClassificationIntervalDto, ClassificationQuery } from './dto/classification.dto';

@ApiTags('Classification')
@Controller('api/v1/enterprises/:uscc/classification')
export class ClassificationController {
  constructor(private readonly classification: ClassificationService) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'getClassification',
    summary: 'The grade with its score, rule-set version and the factors behind it; ?asOf= for the past',
  })
  @ApiOkResponse({ type: ClassificationDto })
  explain(
    @Param('uscc') uscc: string,
    @Query() query: ClassificationQuery,
    @CurrentCaller() caller: Caller,
  ): Promise<ClassificationDto> {
    return this.classification.explain(uscc, query.asOf, caller.jurisdiction);
  }

  @Get('history')
  @Access('regulator', 'reviewer', 'admin', 'enterprise:own')
  @ApiParam({ name: 'uscc', example: '91330100799655058B' })
  @ApiOperation({
    operationId: 'getClassificationHistory',
    summary: 'Every grade the enterprise had, with its validity interval',
  })
  @ApiOkResponse({ type: [ClassificationIntervalDto] })
  history(@Param('uscc') uscc: string, @CurrentCaller() caller: Caller): Promise<ClassificationIntervalDto[]> {
    return this.classification.history(uscc, caller.jurisdiction);
  }
}

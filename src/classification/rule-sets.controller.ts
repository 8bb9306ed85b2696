import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentActor } from '../access/actor';
import { JOB_ADDRESS_EXAMPLE, jobAddress, PollAt } from '../common/poll-location';
import { Problem } from '../common/problem';
import { Access, CurrentPrincipal } from '../access/access.decorator';
import { Principal } from '../access/principal';
import { CreateRuleSetDto, JobDto, JobStartedDto, RuleSetDto } from './dto/rule-set.dto';
import { RuleSetsService } from './rule-sets.service';

const version = new ParseIntPipe({
  exceptionFactory: () => Problem.validation([{ field: 'version', message: 'must be a version number' }]),
});

const VersionParam = () => ApiParam({ name: 'version', type: 'integer', example: 2 });
const JOB_LOCATION = 'the job: GET it for its state, progress and result';

@ApiTags('Classification')
@Controller('api/v1')
export class RuleSetsController {
  constructor(private readonly ruleSets: RuleSetsService) {}

  @Get('rule-sets')
  @Access('regulator', 'reviewer', 'admin')
  @ApiOperation({
    operationId: 'listRuleSets',
    summary: 'Every version of the classification standard: draft, active, retired',
  })
  @ApiOkResponse({ type: [RuleSetDto] })
  list(): Promise<RuleSetDto[]> {
    return this.ruleSets.list();
  }

  @Post('rule-sets')
  @Access('admin')
  @ApiOperation({
    operationId: 'createRuleSet',
    summary: 'Draft a new version; an invalid document is a 400 listing every error with its JSON path',
  })
  @ApiCreatedResponse({ type: RuleSetDto })
  draft(@Body() body: CreateRuleSetDto, @CurrentActor() actor: Actor): Promise<RuleSetDto> {
    return this.ruleSets.draft(body.document, actor);
  }

  @Post('rule-sets/:version/dry-run')
  @VersionParam()
  @HttpCode(202)
  @Access('admin', 'reviewer')
  @ApiOperation({
    operationId: 'dryRunRuleSet',
    summary:
      "Grade every enterprise under this version beside the active one, writing nothing; the job's result is the distribution by district and the moves between grades",
  })
  @ApiAcceptedResponse({ type: JobStartedDto })
  @PollAt(jobAddress, JOB_LOCATION, JOB_ADDRESS_EXAMPLE)
  dryRun(@Param('version', version) v: number, @CurrentActor() actor: Actor): Promise<JobStartedDto> {
    return this.ruleSets.dryRun(v, actor);
  }

  @Post('rule-sets/:version/activate')
  @VersionParam()
  @HttpCode(202)
  @Access('reviewer')
  @ApiOperation({
    operationId: 'activateRuleSet',
    summary: 'Activate a draft (retiring the active version) and start the full recompute',
  })
  @ApiAcceptedResponse({ type: JobStartedDto })
  @PollAt(jobAddress, JOB_LOCATION, JOB_ADDRESS_EXAMPLE)
  activate(@Param('version', version) v: number, @CurrentActor() actor: Actor): Promise<JobStartedDto> {
    return this.ruleSets.activate(v, actor);
  }

  @Post('classification/recompute')
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({ operationId: 'recomputeClassifications', summary: 'Recompute every grade under the active rule set' })
  @ApiAcceptedResponse({ type: JobStartedDto })
  @PollAt(jobAddress, JOB_LOCATION, JOB_ADDRESS_EXAMPLE)
  recompute(@CurrentActor() actor: Actor): Promise<JobStartedDto> {
    return this.ruleSets.recomputeAll('requested by an administrator', actor);
  }

  @Get('jobs/:jobId')
  @ApiParam({ name: 'jobId', type: String, example: '42' })
  @Access('admin', 'reviewer', 'regulator')
  @ApiOperation({
    operationId: 'getJob',
    summary: 'A background job: state, progress, result (for whoever started it, and administrators)',
  })
  @ApiOkResponse({ type: JobDto })
  job(@Param('jobId') jobId: string, @CurrentPrincipal() principal: Principal): Promise<JobDto> {
    if (principal.kind !== 'user') throw Problem.forbidden({ en: 'Jobs are for users', zh: '任务仅供用户查看' });
    return this.ruleSets.job(jobId, { id: principal.userId, admin: principal.role === 'admin' });
  }
}

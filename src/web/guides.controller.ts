import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../access/access.decorator';
import { EVIDENCE_TYPE_NAMES, EVIDENCE_TYPES } from '../blacklist/evidence/evidence-type';
import { MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES } from '../blacklist/evidence/evidence-store';
import { REPAIR_COMMITMENT } from '../blacklist/repair-commitment';
import { RuleSetsService } from '../classification/rule-sets.service';
import { addMonths } from '../common/calendar-days';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { standardGuide } from './guides';
import { GUIDES_TEXT } from './guides.text';
import { WebSession } from './session';

/** What the evidence rules read as in a guide: how many files, how large, which kinds. */
const EVIDENCE = {
  files: MAX_EVIDENCE_FILES,
  mb: MAX_EVIDENCE_BYTES / (1024 * 1024),
  types: EVIDENCE_TYPES.map((type) => EVIDENCE_TYPE_NAMES[type]).join('、'),
};

/**
 * The public guides: 分类标准说明 from the active rule set (read on every visit, so a new
 * version shows at once), 信用修复指南 and 异议申诉指南 from the settings and the rules the
 * blacklist applies (periods, evidence files, the commitment's text). Nothing in them is typed
 * twice: every figure comes from where the platform takes it.
 */
@ApiExcludeController()
@Access('public')
@Controller('guides')
export class GuidesController {
  constructor(
    private readonly ruleSets: RuleSetsService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly session: WebSession,
  ) {}

  @Get('standard')
  async standard(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const ruleSet = await this.ruleSets.inForce();
    return this.session.render(
      request,
      reply,
      'guide-standard',
      (t) => t.guideStandard,
      ({ lang }) => ({ g: GUIDES_TEXT[lang], guide: standardGuide(ruleSet, lang) }),
    );
  }

  @Get('repair')
  repair(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const example = this.clock.today();
    return this.session.render(
      request,
      reply,
      'guide-repair',
      (t) => t.guideRepair,
      ({ lang }) => ({
        g: GUIDES_TEXT[lang],
        repairMonths: this.config.REPAIR_MIN_MONTHS,
        listingMonths: this.config.LISTING_PERIOD_MONTHS,
        example,
        exampleFrom: addMonths(example, this.config.REPAIR_MIN_MONTHS),
        evidence: EVIDENCE,
        commitment: REPAIR_COMMITMENT,
      }),
    );
  }

  @Get('objection')
  objection(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.session.render(
      request,
      reply,
      'guide-objection',
      (t) => t.guideObjection,
      ({ lang }) => ({ g: GUIDES_TEXT[lang], days: this.config.OBJECTION_WORKING_DAYS, evidence: EVIDENCE }),
    );
  }
}

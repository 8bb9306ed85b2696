import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { CorrectionsService } from '../../disclosure/corrections/corrections.service';
import {
  AnswerCorrectionDto,
  CORRECTION_STATUSES,
  CorrectionStatus,
} from '../../disclosure/corrections/dto/correction.dto';
import { refusal } from './admin-shared';
import { ConsoleController } from './console.decorator';
import { ConsolePages, FormShown } from './console-pages';
import { CORRECTIONS_TEXT } from './corrections.text';
import { readForm } from './forms';
import { pageParam, pagerOf, param, seeOther } from './page-params';

/** 信息纠错 for staff: the public's correction requests, and the answer to each (an audit entry). */
@ConsoleController('corrections')
export class ConsoleCorrectionsController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly corrections: CorrectionsService,
  ) {}

  @Get()
  @Access('regulator', 'reviewer', 'admin')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const given = param(query, 'status');
    const status = (CORRECTION_STATUSES as readonly string[]).includes(given) ? (given as CorrectionStatus) : null;
    const page = await this.corrections.list(status, pageParam(query));
    return this.pages.render(request, reply, 'corrections', {
      title: (t) => t.correctionsTitle,
      text: CORRECTIONS_TEXT,
      data: {
        page,
        status: status ?? '',
        statuses: CORRECTION_STATUSES,
        pager: pagerOf('/console/corrections', { status: status ?? undefined }, page),
      },
    });
  }

  @Get(':id')
  @Access('regulator', 'reviewer', 'admin')
  detail(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<void> {
    return this.show(request, reply, id, { done: param(query, 'done') === 'answered' });
  }

  @Post(':id/answer')
  @AcceptsForm()
  @Access('regulator', 'reviewer', 'admin')
  async answer(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const { values, checked, lang } = await readForm(request, AnswerCorrectionDto, ['outcome', 'answer']);
    if (!checked.ok) return this.show(request, reply, id, { errors: checked.errors, values, status: 400 });
    try {
      await this.corrections.answer(id, checked.value, caller.actor);
    } catch (error) {
      return this.show(request, reply, id, { errors: refusal(error, lang), values, status: 409 });
    }
    seeOther(reply, `/console/corrections/${id}?done=answered`);
  }

  private async show(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    form: FormShown & { done?: boolean },
  ): Promise<void> {
    const correction = await this.corrections.find(id);
    return this.pages.render(request, reply, 'correction', {
      title: (t) => t.correctionTitle.replace('{number}', correction.number),
      text: CORRECTIONS_TEXT,
      status: form.status,
      errors: form.errors,
      values: form.values ?? { outcome: '', answer: '' },
      data: { correction, done: form.done ?? false },
    });
  }
}

import { Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../access/access.decorator';
import { fromThisSite } from '../access/page-session';
import { AcceptsForm } from '../common/body-limit';
import { Problem } from '../common/problem';
import { CorrectionsService } from '../disclosure/corrections/corrections.service';
import { CORRECTION_KINDS, CreateCorrectionDto } from '../disclosure/corrections/dto/correction.dto';
import { RateLimiter } from '../redis/rate-limiter';
import { param, seeOther } from './console/page-params';
import { readForm } from './console/forms';
import { WebSession } from './session';

/** A person may file this many correction requests an hour from one address (on top of the public limit). */
export const CORRECTIONS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;
const NUMBER = /^JC-\d{4}-\d{6,}$/;
const FIELDS = ['kind', 'subject', 'description', 'contact'] as const;

/**
 * 信息纠错 for the public: a form that files a correction request for staff (the console's
 * 纠错申请), from this site's form only, rate limited per address, and a page that gives back only the request's number,
 * never what was typed (the contact is personal data).
 */
@ApiExcludeController()
@Access('public')
@Controller('corrections')
export class CorrectionsPagesController {
  constructor(
    private readonly corrections: CorrectionsService,
    private readonly limiter: RateLimiter,
    private readonly session: WebSession,
  ) {}

  /** The form; `?kind=` and `?subject=` prefill it (the entry and enterprise pages link so). */
  @Get('new')
  form(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const kind = param(query, 'kind');
    const values = {
      kind: (CORRECTION_KINDS as readonly string[]).includes(kind) ? kind : '',
      subject: param(query, 'subject').slice(0, 200),
      description: '',
      contact: '',
    };
    return this.show(request, reply, { values });
  }

  @Post()
  @AcceptsForm()
  async file(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    // Only from this site's form: another site's page could otherwise have each of its visitors
    // file requests, every one from a new address.
    if (!fromThisSite(request)) {
      return this.session.render(request, reply, 'forbidden', (t) => t.forbiddenTitle, { reason: 'site' }, 403);
    }
    const { values, checked } = await readForm(request, CreateCorrectionDto, FIELDS);
    if (!checked.ok) return this.show(request, reply, { values, errors: checked.errors }, 400);
    try {
      await this.limiter.hit(`correction:${request.ip}`, CORRECTIONS_PER_HOUR, HOUR_MS, {
        en: `Client ${request.ip}`,
        zh: `客户端 ${request.ip}`,
      });
    } catch (error) {
      if (error instanceof Problem && error.status === 429) {
        void reply.header('Retry-After', String(error.extensions.retryAfter ?? HOUR_MS / 1000));
        return this.show(request, reply, { values, throttled: true }, 429);
      }
      throw error;
    }
    const filed = await this.corrections.file(checked.value);
    seeOther(reply, `/corrections/filed?no=${filed.number}`);
  }

  /** Where a filed request lands: its number and what happens next, nothing the person typed. */
  @Get('filed')
  filed(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query: unknown): Promise<void> {
    const number = param(query, 'no');
    return this.session.render(request, reply, 'correction-filed', (t) => t.correctionFiledTitle, {
      number: NUMBER.test(number) ? number : null,
    });
  }

  private show(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { values: Record<string, string>; errors?: Record<string, string>; throttled?: boolean },
    status = 200,
  ): Promise<void> {
    return this.session.render(
      request,
      reply,
      'correction-new',
      (t) => t.correctionTitle,
      { kinds: CORRECTION_KINDS, perHour: CORRECTIONS_PER_HOUR, errors: {}, throttled: false, ...form },
      status,
    );
  }
}

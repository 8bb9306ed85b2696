import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator';
import { Caller, CurrentCaller } from '../../access/caller';
import { AcceptsForm } from '../../common/body-limit';
import { Problem } from '../../common/problem';
import { uuidId } from '../../common/validation';
import { CHANGE_EVENT_TYPES } from '../../outbox/outbox.repository';
import { institutionOf } from '../../sharing/asker';
import { FEED_SCOPES } from '../../sharing/dto/feed.dto';
import {
  CreateWebhookDto,
  DeliveriesQuery,
  ReplayDto,
  RotateSecretDto,
  WebhookDto,
} from '../../sharing/webhooks/dto/webhook.dto';
import { WebhooksService } from '../../sharing/webhooks/webhooks.service';
import { Lang } from '../i18n';
import { ShownOnce } from '../console/api-key-pages';
import { ConsolePages, FormShown } from '../console/console-pages';
import { formFields, readForm } from '../console/forms';
import { pageParam, pagerOf, param, seeOther } from '../console/page-params';
import { INTEGRATION_TEXT } from './integration.text';
import { PortalController } from './portal.decorator';

const HOME = '/portal/institution/webhooks';
const pathOf = (id: string) => `${HOME}/${id}`;
const DELIVERIES_PER_PAGE = 20;
/** A secret just made (at subscribing or rotating), with the end of the previous one's overlap. */
const NEW_SECRET = new ShownOnce('qc_new_secret');
type NewSecret = { secret: string; previousUntil?: string | null; rotated?: boolean };

/** The events as checkboxes, by their text keys (`event_blacklist_published`). */
const eventKey = (type: string) => `event_${type.replace(/\./g, '_')}`;

/** The secret carried to this page once; a cookie that is not one of ours (mangled, forged) shows nothing. */
function shownSecret(carried: string): NewSecret | null {
  try {
    const value = JSON.parse(carried) as Partial<NewSecret> | null;
    return value && typeof value.secret === 'string' ? (value as NewSecret) : null;
  } catch {
    return null;
  }
}

/**
 * 机构门户 › 事件推送: the institution's webhook subscriptions, subscribing (the registry makes the
 * secret and shows it once), and each subscription's page: its deliveries (paged: time, event,
 * status, response code and time, attempts), a test ping, a replay from a seq, a rotation of the
 * secret with an overlap (the new one shown once, with the old one's end) and unsubscribing after
 * a confirmation. The API's service does the work; another institution's subscription is not found.
 */
@PortalController('institution', 'webhooks')
export class InstitutionWebhooksController {
  constructor(
    private readonly pages: ConsolePages,
    private readonly webhooks: WebhooksService,
  ) {}

  @Get()
  @Access('institution')
  list(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const done = param(query, 'done') === 'unsubscribed' ? 'unsubscribed' : null;
    return this.renderList(request, reply, institutionOf(caller), { done });
  }

  @Post()
  @AcceptsForm()
  @Access('institution')
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const events = ([] as unknown[]).concat(body.events ?? []).filter((e): e is string => typeof e === 'string');
    const form = await readForm(request, CreateWebhookDto, ['url', 'scope'], { events });
    const { checked, lang } = form;
    const values = { ...form.values, scope: form.values.scope || 'all', events: events.join(' ') };
    if (!checked.ok) {
      const errors = events.length ? checked.errors : { ...checked.errors, events: INTEGRATION_TEXT[lang].pickEvent };
      return this.renderList(request, reply, institutionId, { errors, values, status: 400 });
    }
    let created: WebhookDto & { secret?: string };
    try {
      created = await this.webhooks.create(institutionId, checked.value, caller.actor);
    } catch (error) {
      return this.renderList(request, reply, institutionId, { errors: urlRefusal(error, lang), values, status: 400 });
    }
    NEW_SECRET.carry(
      request,
      reply,
      pathOf(created.id),
      JSON.stringify({ secret: created.secret ?? '' } satisfies NewSecret),
    );
    seeOther(reply, pathOf(created.id));
  }

  @Get(':id')
  @Access('institution')
  show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @Query() query: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const carried = NEW_SECRET.take(request, reply, pathOf(id));
    const done = param(query, 'done');
    return this.renderOne(request, reply, institutionOf(caller), id, {
      page: pageParam(query),
      newSecret: carried ? shownSecret(carried) : null,
      done: ['pinged', 'replayed'].includes(done) ? done : null,
      seq: param(query, 'seq'),
    });
  }

  @Post(':id/ping')
  @AcceptsForm()
  @Access('institution')
  async ping(
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.webhooks.ping(institutionOf(caller), id, caller.actor);
    seeOther(reply, `${pathOf(id)}?done=pinged`);
  }

  @Post(':id/replay')
  @AcceptsForm()
  @Access('institution')
  async replay(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    const { checked, values } = await readForm(request, ReplayDto, ['fromSeq']);
    if (!checked.ok) {
      return this.renderOne(request, reply, institutionId, id, { errors: checked.errors, values, status: 400 });
    }
    await this.webhooks.replay(institutionId, id, checked.value.fromSeq, caller.actor);
    seeOther(reply, `${pathOf(id)}?done=replayed&seq=${checked.value.fromSeq}`);
  }

  @Post(':id/rotate')
  @AcceptsForm()
  @Access('institution')
  async rotate(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    const { checked, values } = await readForm(request, RotateSecretDto, ['overlapHours']);
    if (!checked.ok) {
      return this.renderOne(request, reply, institutionId, id, { errors: checked.errors, values, status: 400 });
    }
    const rotated = await this.webhooks.rotateSecret(institutionId, id, checked.value.overlapHours, caller.actor);
    const carried: NewSecret = {
      secret: rotated.secret,
      previousUntil: rotated.previousSecretValidUntil?.toISOString() ?? null,
      rotated: true,
    };
    NEW_SECRET.carry(request, reply, pathOf(id), JSON.stringify(carried));
    seeOther(reply, pathOf(id));
  }

  /** The first post asks to confirm; the second (confirmed=yes) ends the subscription. */
  @Post(':id/delete')
  @AcceptsForm()
  @Access('institution')
  async remove(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id', uuidId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    const institutionId = institutionOf(caller);
    if (formFields(request).confirmed !== 'yes') {
      return this.renderOne(request, reply, institutionId, id, { confirmDelete: true });
    }
    await this.webhooks.remove(institutionId, id, caller.actor);
    seeOther(reply, `${HOME}?done=unsubscribed`);
  }

  private async renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    institutionId: string,
    options: {
      done?: string | null;
    } & FormShown,
  ): Promise<void> {
    const webhooks = await this.webhooks.list(institutionId);
    return this.pages.render(request, reply, 'portal/webhooks', {
      title: (t) => t.webhooksTitle,
      text: INTEGRATION_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        webhooks: webhooks.map((w) => ({ ...w, eventNames: w.events.map((e) => c.t[eventKey(e)] ?? e) })),
        done: options.done ?? null,
        events: CHANGE_EVENT_TYPES.map((e) => ({ value: e, text: c.t[eventKey(e)] ?? e })),
        scopes: FEED_SCOPES.map((s) => ({ value: s, text: c.t[`scope_${s}`] ?? s })),
      }),
    });
  }

  private async renderOne(
    request: FastifyRequest,
    reply: FastifyReply,
    institutionId: string,
    id: string,
    options: {
      page?: number;
      newSecret?: NewSecret | null;
      done?: string | null;
      seq?: string;
      confirmDelete?: boolean;
    } & FormShown,
  ): Promise<void> {
    const webhook = await this.webhooks.get(institutionId, id);
    const query = plainToInstance(DeliveriesQuery, { page: options.page ?? 1, pageSize: DELIVERIES_PER_PAGE });
    const deliveries = await this.webhooks.deliveries(institutionId, id, query);
    return this.pages.render(request, reply, 'portal/webhook', {
      title: (t) => t.webhookTitle,
      text: INTEGRATION_TEXT,
      status: options.status,
      errors: options.errors,
      values: options.values,
      data: (c) => ({
        webhook,
        eventNames: webhook.events.map((e) => c.t[eventKey(e)] ?? e),
        deliveries: deliveries.items.map((d) => ({ ...d, eventName: c.t[eventKey(d.eventType)] ?? d.eventType })),
        pager: pagerOf(pathOf(id), {}, deliveries),
        newSecret: options.newSecret ?? null,
        done: options.done ?? null,
        seq: options.seq ?? '',
        confirmDelete: options.confirmDelete ?? false,
      }),
    });
  }
}

/** The service's refusal of a URL, beside the URL field (in the person's language). */
function urlRefusal(error: unknown, lang: Lang): Record<string, string> {
  if (!(error instanceof Problem) || error.status !== 400) throw error;
  const text =
    error.code === 'validation-failed'
      ? {
          zh: '须为完整的 http 或 https 地址，且不含用户名和密码',
          en: 'an absolute http or https URL without a user name or password',
        }[lang]
      : error.localized(lang);
  return { url: text };
}

import { HttpStatus, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Actor } from '../../access/actor';
import { AuditService } from '../../audit/audit.service';
import { beijingDateTime, Clock } from '../../common/clock';
import { Page, pageOf } from '../../common/pagination';
import { Problem } from '../../common/problem';
import { AppConfig } from '../../config/app-config';
import { OutboxRepository } from '../../outbox/outbox.repository';
import { AddressRefused, resolveAllowed } from './address-guard';
import {
  CreatedWebhookDto,
  CreateWebhookDto,
  DeliveriesQuery,
  DeliveryDto,
  PingAcceptedDto,
  ReplayAcceptedDto,
  RotatedSecretDto,
  WebhookDto,
} from './dto/webhook.dto';
import { SecretBox } from './secret-box';
import { isWellFormedStandardSecret, newSecret, SECRET_PREFIX, STANDARD_KEY_BYTES } from './signing';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

/**
 * An institution's webhook subscriptions: created with a URL that must resolve to public
 * addresses (checked again at every delivery), the event types wanted, a scope, and a secret kept
 * encrypted and never shown again (the caller's, or one made here and shown once). A subscription
 * starts at the end of the outbox; its deliveries (see WebhookDispatcher) are listed with every
 * attempt; a replay goes back to a seq; a ping is a delivery of no event; a rotation replaces the
 * secret, the previous one signing too for an overlap.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveriesOf: WebhookDeliveriesRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async create(institutionId: string, dto: CreateWebhookDto, actor: Actor): Promise<CreatedWebhookDto> {
    if (dto.secret?.startsWith(SECRET_PREFIX) && !isWellFormedStandardSecret(dto.secret)) {
      const { min, max } = STANDARD_KEY_BYTES;
      throw Problem.validation([
        {
          field: 'secret',
          message: `a ${SECRET_PREFIX} secret must be followed by the base64 of ${min} to ${max} bytes`,
        },
      ]);
    }
    const url = await this.checkUrl(dto.url);
    const made = dto.secret === undefined ? newSecret() : undefined;
    const created = await this.audit.change(actor, async (manager) => {
      const id = await this.subscriptions.create(manager, {
        institutionId,
        url,
        events: dto.events,
        scope: dto.scope,
        sealedSecret: this.box.seal(dto.secret ?? made!),
        // Every event up to it has committed; any still in flight will get a higher number.
        cursor: await this.outbox.settledEnd(manager),
        createdAt: this.clock.now(),
      });
      const webhook = await this.find(manager, institutionId, id);
      const { pending: _, ...shown } = webhook;
      return {
        result: webhook,
        entry: { action: 'webhook.create', entityType: 'webhook', entityId: id, after: shown },
      };
    });
    return made ? { ...created, secret: made } : created;
  }

  async list(institutionId: string): Promise<WebhookDto[]> {
    return (await this.subscriptions.list(institutionId)).map((w) => this.current(w));
  }

  get(institutionId: string, id: string): Promise<WebhookDto> {
    return this.find(undefined, institutionId, id);
  }

  /**
   * Queues a `ping` to the subscription's URL: delivered, signed, retried and logged like an event,
   * after the deliveries already pending, without moving the cursor.
   */
  async ping(institutionId: string, id: string, actor: Actor): Promise<PingAcceptedDto> {
    return this.audit.change(actor, async (manager) => {
      await this.find(manager, institutionId, id, true);
      // One test at a time (the subscription's row is locked): pings cannot pile up requests to the URL.
      if (await this.deliveriesOf.pingPending(manager, id)) {
        throw Problem.conflict('ping-pending', {
          en: 'A test ping of this subscription is still waiting to be delivered; try again when it has been',
          zh: '该订阅上一条测试推送尚未送达，请待其送达后再试',
        });
      }
      const deliveryId = await this.deliveriesOf.addPing(manager, id, randomUUID(), this.clock.now());
      const result = { deliveryId };
      return { result, entry: { action: 'webhook.ping', entityType: 'webhook', entityId: id, after: result } };
    });
  }

  /**
   * Replaces the secret with a new one made here (shown once, in the answer). For `overlapHours`
   * the one replaced signs too (a second signature), so receivers can switch without losing a
   * delivery. Refused (409 rotation-overlapping) while an earlier rotation's overlap runs.
   */
  async rotateSecret(institutionId: string, id: string, overlapHours: number, actor: Actor): Promise<RotatedSecretDto> {
    return this.audit.change(actor, async (manager) => {
      const webhook = await this.find(manager, institutionId, id, true);
      // Rotating again inside an overlap would drop the secret receivers still hold (the one
      // replaced first) for one they may never have received: refused until the overlap ends.
      if (webhook.previousSecretValidUntil) {
        const until = webhook.previousSecretValidUntil.toISOString();
        throw Problem.conflict(
          'rotation-overlapping',
          {
            en: `The previous secret still signs until ${until}; rotate again after that`,
            zh: `上次轮换的旧密钥仍在签名，至 ${beijingDateTime(webhook.previousSecretValidUntil)} 为止；请在此后再轮换`,
          },
          { previousSecretValidUntil: until },
        );
      }
      const at = this.clock.now();
      const secret = newSecret();
      const previousUntil = overlapHours > 0 ? new Date(at.getTime() + overlapHours * 3_600_000) : null;
      await this.subscriptions.rotate(manager, id, { sealedSecret: this.box.seal(secret), previousUntil, at });
      const after = { overlapHours, previousSecretValidUntil: previousUntil };
      return {
        result: { secret, previousSecretValidUntil: previousUntil },
        entry: { action: 'webhook.rotate-secret', entityType: 'webhook', entityId: id, after },
      };
    });
  }

  /** Ends a subscription: nothing more is sent, pending deliveries are cancelled, the log stays. */
  async remove(institutionId: string, id: string, actor: Actor): Promise<void> {
    await this.audit.change(actor, async (manager) => {
      const before = await this.find(manager, institutionId, id, true);
      const now = this.clock.now();
      await this.subscriptions.end(manager, id, now);
      await this.deliveriesOf.cancelPending(manager, id, now);
      return { result: undefined, entry: { action: 'webhook.delete', entityType: 'webhook', entityId: id, before } };
    });
  }

  /**
   * Delivers again every wanted event from `fromSeq` on, in order, with their original ids: the
   * pending deliveries are replaced and the cursor goes back. A seq beyond the head of a stuck
   * subscription also skips what it was retrying.
   */
  async replay(institutionId: string, id: string, fromSeq: number, actor: Actor): Promise<ReplayAcceptedDto> {
    return this.audit.change(actor, async (manager) => {
      await this.find(manager, institutionId, id, true);
      const cancelled = await this.deliveriesOf.cancelPending(manager, id, this.clock.now());
      await this.subscriptions.setCursor(manager, id, fromSeq - 1);
      const result = { fromSeq, cancelled };
      return { result, entry: { action: 'webhook.replay', entityType: 'webhook', entityId: id, after: result } };
    });
  }

  async deliveries(institutionId: string, id: string, query: DeliveriesQuery): Promise<Page<DeliveryDto>> {
    // Another institution's subscription is as absent as a missing one.
    if (!(await this.subscriptions.owns(institutionId, id))) throw Problem.notFound('Webhook', id);
    const status = query.status ?? null;
    const total = await this.deliveriesOf.count(id, status);
    const items = await this.deliveriesOf.page(id, status, query.pageSize, query.offset);
    return pageOf(items, total, query);
  }

  /** An absolute http(s) URL without credentials whose host resolves to allowed addresses only. */
  private async checkUrl(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw Problem.validation([{ field: 'url', message: 'must be an absolute http or https URL' }]);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw Problem.validation([{ field: 'url', message: 'must be an http or https URL' }]);
    }
    if (url.username || url.password) {
      throw Problem.validation([{ field: 'url', message: 'must not carry a user name or password' }]);
    }
    try {
      await resolveAllowed(url.hostname.replace(/^\[(.*)\]$/, '$1'), this.config.WEBHOOK_ALLOW_PRIVATE);
    } catch (error) {
      if (error instanceof AddressRefused) {
        // In general terms: naming the address a name resolves to would map internal names for the caller.
        const detail = {
          en: `${url.hostname} is not, or resolves to an address that is not, a public address`,
          zh: `${url.hostname} 不是公网地址，或解析到的地址不是公网地址`,
        };
        throw new Problem(HttpStatus.BAD_REQUEST, 'webhook-url-refused', 'Webhook URL refused', detail, {
          errors: [{ field: 'url', message: 'must resolve to public addresses only' }],
        });
      }
      throw new Problem(
        HttpStatus.BAD_REQUEST,
        'webhook-url-unresolvable',
        'Webhook URL refused',
        { en: `${url.hostname} does not resolve`, zh: `${url.hostname} 无法解析` },
        { errors: [{ field: 'url', message: 'host does not resolve' }] },
      );
    }
    return url.toString();
  }

  private async find(
    manager: EntityManager | undefined,
    institutionId: string,
    id: string,
    lock = false,
  ): Promise<WebhookDto> {
    const webhook = await this.subscriptions.find(manager, institutionId, id, lock);
    // Another institution's subscription is as absent as a missing one.
    if (!webhook) throw Problem.notFound('Webhook', id);
    return this.current(webhook);
  }

  /** The subscription as shown now: an overlap that has ended is no longer mentioned. */
  private current(webhook: WebhookDto): WebhookDto {
    const until = webhook.previousSecretValidUntil;
    return until && until > this.clock.now() ? webhook : { ...webhook, previousSecretValidUntil: null };
  }
}

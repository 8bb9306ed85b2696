import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from '../../access/actor';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock';
import { Page, pageOf } from '../../common/pagination';
import { Problem } from '../../common/problem';
import { AppConfig } from '../../config/app-config';
import { UNSETTLED } from '../feed.service';
import { AddressRefused, resolveAllowed } from './address-guard';
import { CreateWebhookDto, DeliveriesQuery, DeliveryDto, ReplayAcceptedDto, WebhookDto } from './dto/webhook.dto';
import { SecretBox } from './secret-box';

const WEBHOOK_COLUMNS = `s.id, s.url, s.events, s.scope, s.cursor::text AS cursor, s.created_at AS "createdAt",
  (SELECT count(*)::int FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending') AS pending`;

/**
 * The last seq a new subscription may start after: every event up to it has committed, and any
 * event still in flight will get a higher number (see FeedService for the same rule).
 */
const SETTLED_END = `coalesce((SELECT min(seq) - 1 FROM change_events WHERE ${UNSETTLED}),
                              (SELECT max(seq) FROM change_events), 0)`;

type WebhookRow = Omit<WebhookDto, 'cursor'> & { cursor: string };
const toWebhook = (row: WebhookRow): WebhookDto => ({ ...row, cursor: Number(row.cursor) });

/**
 * An institution's webhook subscriptions: created with a URL that must resolve to public
 * addresses (checked again at every delivery), the event types wanted, a scope, and a secret kept
 * encrypted and never shown again. A subscription starts at the end of the outbox; its deliveries
 * (see WebhookDispatcher) are listed with every attempt; a replay goes back to a seq.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async create(institutionId: string, dto: CreateWebhookDto, actor: Actor): Promise<WebhookDto> {
    const url = await this.checkUrl(dto.url);
    return this.audit.change(actor, async (manager) => {
      const [{ id }] = await manager.query(
        `INSERT INTO webhook_subscriptions (institution_id, url, events, scope, secret, cursor, created_at)
         VALUES ($1, $2, $3, $4, $5, ${SETTLED_END}, $6) RETURNING id`,
        [institutionId, url, dto.events, dto.scope, this.box.seal(dto.secret), this.clock.now()],
      );
      const webhook = await this.find(manager, institutionId, id);
      const { pending: _, ...shown } = webhook;
      return {
        result: webhook,
        entry: { action: 'webhook.create', entityType: 'webhook', entityId: id, after: shown },
      };
    });
  }

  async list(institutionId: string): Promise<WebhookDto[]> {
    const rows: WebhookRow[] = await this.dataSource.query(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s
        WHERE s.institution_id = $1 AND s.deleted_at IS NULL ORDER BY s.created_at, s.id`,
      [institutionId],
    );
    return rows.map(toWebhook);
  }

  get(institutionId: string, id: string): Promise<WebhookDto> {
    return this.find(this.dataSource.manager, institutionId, id);
  }

  /** Ends a subscription: nothing more is sent, pending deliveries are cancelled, the log stays. */
  async remove(institutionId: string, id: string, actor: Actor): Promise<void> {
    await this.audit.change(actor, async (manager) => {
      const before = await this.find(manager, institutionId, id, true);
      const now = this.clock.now();
      await manager.query(`UPDATE webhook_subscriptions SET deleted_at = $2 WHERE id = $1`, [id, now]);
      await this.cancelPending(manager, id, now);
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
      const cancelled = await this.cancelPending(manager, id, this.clock.now());
      await manager.query(`UPDATE webhook_subscriptions SET cursor = $2 WHERE id = $1`, [id, fromSeq - 1]);
      const result = { fromSeq, cancelled };
      return { result, entry: { action: 'webhook.replay', entityType: 'webhook', entityId: id, after: result } };
    });
  }

  async deliveries(institutionId: string, id: string, query: DeliveriesQuery): Promise<Page<DeliveryDto>> {
    const [owned] = await this.dataSource.query(
      `SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND institution_id = $2 AND deleted_at IS NULL`,
      [id, institutionId],
    );
    // Another institution's subscription is as absent as a missing one.
    if (!owned) throw Problem.notFound('Webhook', id);
    const filter = query.status ? `AND d.status = $2` : `AND $2::text IS NULL`;
    const params = [id, query.status ?? null];
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM webhook_deliveries d WHERE d.subscription_id = $1 ${filter}`,
      params,
    );
    const rows: (Omit<DeliveryDto, 'id' | 'eventSeq' | 'attemptLog'> & {
      id: string;
      eventSeq: string;
      attemptLog: (Omit<DeliveryDto['attemptLog'][number], 'at'> & { at: string })[];
    })[] = await this.dataSource.query(
      `SELECT d.id::text, d.event_id AS "eventId", d.event_seq::text AS "eventSeq", d.event_type AS "eventType",
              d.status, d.attempts, d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
              d.created_at AS "createdAt", d.next_attempt_at AS "nextAttemptAt", d.finished_at AS "finishedAt",
              d.attempt_log AS "attemptLog"
         FROM webhook_deliveries d WHERE d.subscription_id = $1 ${filter}
        ORDER BY d.id DESC LIMIT $3 OFFSET $4`,
      [...params, query.pageSize, query.offset],
    );
    const items = rows.map((r) => ({
      ...r,
      id: Number(r.id),
      eventSeq: Number(r.eventSeq),
      attemptLog: r.attemptLog.map((a) => ({ ...a, at: new Date(a.at) })),
    }));
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
        const detail = `${url.hostname} is not, or resolves to an address that is not, a public address`;
        throw new Problem(HttpStatus.BAD_REQUEST, 'webhook-url-refused', 'Webhook URL refused', detail, {
          errors: [{ field: 'url', message: 'must resolve to public addresses only' }],
        });
      }
      throw new Problem(
        HttpStatus.BAD_REQUEST,
        'webhook-url-unresolvable',
        'Webhook URL refused',
        `${url.hostname} does not resolve`,
        { errors: [{ field: 'url', message: 'host does not resolve' }] },
      );
    }
    return url.toString();
  }

  private async find(manager: EntityManager, institutionId: string, id: string, lock = false): Promise<WebhookDto> {
    const [row]: WebhookRow[] = await manager.query(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s
        WHERE s.id = $1 AND s.institution_id = $2 AND s.deleted_at IS NULL ${lock ? 'FOR UPDATE' : ''}`,
      [id, institutionId],
    );
    // Another institution's subscription is as absent as a missing one.
    if (!row) throw Problem.notFound('Webhook', id);
    return toWebhook(row);
  }

  /** Pending deliveries never tried go; tried ones stay in the log as cancelled. */
  private async cancelPending(manager: EntityManager, id: string, now: Date): Promise<number> {
    const [, untried]: [unknown, number] = await manager.query(
      `DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND status = 'pending' AND attempts = 0`,
      [id],
    );
    const [, tried]: [unknown, number] = await manager.query(
      `UPDATE webhook_deliveries SET status = 'cancelled', finished_at = $2, next_attempt_at = NULL
        WHERE subscription_id = $1 AND status = 'pending'`,
      [id, now],
    );
    return untried + tried;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChangeEventType } from '../../outbox/outbox.repository';
import { WebhookDto, WebhookScope } from './dto/webhook.dto';

const WEBHOOK_COLUMNS = `s.id, s.url, s.events, s.scope, s.cursor::text AS cursor, s.created_at AS "createdAt",
  s.previous_secret_until AS "previousSecretValidUntil",
  (SELECT count(*)::int FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'pending') AS pending`;

/** How long a dispatcher's hold on a subscription lasts; renewed after every attempt (each ≤ 10 s). */
const LEASE = `interval '60 seconds'`;

type WebhookRow = Omit<WebhookDto, 'cursor'> & { cursor: string };
const toWebhook = (row: WebhookRow): WebhookDto => ({ ...row, cursor: Number(row.cursor) });

/** A subscription as its dispatcher works it: where it is in the outbox (its secrets are read at each attempt). */
export interface LeasedSubscription {
  id: string;
  institution_id: string;
  url: string;
  events: ChangeEventType[];
  scope: WebhookScope;
  cursor: string;
}

/** A new sealed secret, and until when the one it replaces still signs (null: it stops at once). */
export interface Rotation {
  sealedSecret: Buffer;
  previousUntil: Date | null;
  at: Date;
}

export interface NewSubscription {
  institutionId: string;
  url: string;
  events: ChangeEventType[];
  scope: WebhookScope;
  sealedSecret: Buffer;
  /** The last seq it starts after. */
  cursor: number;
  createdAt: Date;
}

/** Webhook subscriptions (webhook_subscriptions): their cursor in the outbox and the dispatchers' leases. */
@Injectable()
export class WebhookSubscriptionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(manager: EntityManager, s: NewSubscription): Promise<string> {
    const [{ id }]: { id: string }[] = await manager.query(
      `INSERT INTO webhook_subscriptions (institution_id, url, events, scope, secret, cursor, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [s.institutionId, s.url, s.events, s.scope, s.sealedSecret, s.cursor, s.createdAt],
    );
    return id;
  }

  /** An institution's live subscriptions, oldest first. */
  async list(institutionId: string): Promise<WebhookDto[]> {
    const rows: WebhookRow[] = await this.db.query(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s
        WHERE s.institution_id = $1 AND s.deleted_at IS NULL ORDER BY s.created_at, s.id`,
      [institutionId],
    );
    return rows.map(toWebhook);
  }

  /** One live subscription of the institution; with `lock`, locked for the manager's transaction. */
  async find(
    manager: EntityManager | undefined,
    institutionId: string,
    id: string,
    lock = false,
  ): Promise<WebhookDto | undefined> {
    const [row]: WebhookRow[] = await (manager ?? this.db.manager).query(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions s
        WHERE s.id = $1 AND s.institution_id = $2 AND s.deleted_at IS NULL ${lock ? 'FOR UPDATE' : ''}`,
      [id, institutionId],
    );
    return row && toWebhook(row);
  }

  /** Whether the institution has this live subscription. */
  async owns(institutionId: string, id: string): Promise<boolean> {
    const [owned] = await this.db.query(
      `SELECT 1 FROM webhook_subscriptions WHERE id = $1 AND institution_id = $2 AND deleted_at IS NULL`,
      [id, institutionId],
    );
    return !!owned;
  }

  async end(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.query(`UPDATE webhook_subscriptions SET deleted_at = $2 WHERE id = $1`, [id, at]);
  }

  /** Replaces the secret; the one replaced is kept as the previous secret until `previousUntil`, or dropped. */
  async rotate(manager: EntityManager, id: string, r: Rotation): Promise<void> {
    await manager.query(
      `UPDATE webhook_subscriptions
          SET previous_secret = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE secret END,
              previous_secret_until = $3, secret = $2, secret_rotated_at = $4
        WHERE id = $1`,
      [id, r.sealedSecret, r.previousUntil, r.at],
    );
  }

  /** Puts the cursor at `cursor`, wherever it was. */
  async setCursor(manager: EntityManager, id: string, cursor: number): Promise<void> {
    await manager.query(`UPDATE webhook_subscriptions SET cursor = $2 WHERE id = $1`, [id, cursor]);
  }

  /** Moves the cursor from `from` to `to`; false when it is no longer at `from` (a replay meanwhile). */
  async moveCursor(manager: EntityManager, id: string, from: number, to: number): Promise<boolean> {
    const [, updated]: [unknown, number] = await manager.query(
      `UPDATE webhook_subscriptions SET cursor = $3 WHERE id = $1 AND cursor = $2`,
      [id, from, to],
    );
    return updated > 0;
  }

  async cursorOf(id: string): Promise<string> {
    const [{ cursor }]: { cursor: string }[] = await this.db.query(
      `SELECT cursor::text FROM webhook_subscriptions WHERE id = $1`,
      [id],
    );
    return cursor;
  }

  /**
   * The live, unleased subscriptions with work: a pending delivery due by `now`, or none pending
   * and a cursor behind the outbox's last event.
   */
  async due(now: Date): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM webhook_subscriptions s
         LEFT JOIN LATERAL (SELECT d.subscription_id, d.next_attempt_at FROM webhook_deliveries d
                             WHERE d.subscription_id = s.id AND d.status = 'pending'
                             ORDER BY (d.event_seq IS NULL) DESC, d.id LIMIT 1) h ON true
        WHERE s.deleted_at IS NULL AND (s.lease_until IS NULL OR s.lease_until < now())
          AND (h.next_attempt_at <= $1
               OR (h.subscription_id IS NULL AND s.cursor < (SELECT coalesce(max(seq), 0) FROM outbox_events)))`,
      [now],
    );
    return rows.map((r) => r.id);
  }

  /** Takes the lease of a live subscription no one holds, under `token`; undefined when taken or gone. */
  async lease(id: string, token: string): Promise<LeasedSubscription | undefined> {
    // An UPDATE … RETURNING comes back from TypeORM as [rows, count].
    const [[sub]]: [LeasedSubscription[], number] = await this.db.query(
      `UPDATE webhook_subscriptions SET lease_token = $2, lease_until = now() + ${LEASE}
        WHERE id = $1 AND deleted_at IS NULL AND (lease_until IS NULL OR lease_until < now())
        RETURNING id, institution_id, url, events, scope, cursor::text`,
      [id, token],
    );
    return sub;
  }

  /** The sealed secrets that sign now: the current one, and the previous one while `now` is before its end. */
  async signingSecrets(id: string, now: Date): Promise<Buffer[]> {
    const [row]: { secret: Buffer; previous: Buffer | null }[] = await this.db.query(
      `SELECT secret, CASE WHEN previous_secret_until > $2 THEN previous_secret END AS previous
         FROM webhook_subscriptions WHERE id = $1`,
      [id, now],
    );
    return row ? [row.secret, ...(row.previous ? [row.previous] : [])] : [];
  }

  async renewLease(id: string, token: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_subscriptions SET lease_until = now() + ${LEASE} WHERE id = $1 AND lease_token = $2`,
      [id, token],
    );
  }

  async releaseLease(id: string, token: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_subscriptions SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2`,
      [id, token],
    );
  }
}

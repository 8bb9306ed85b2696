import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { JobName, QueueName } from '../../jobs/queues';
import { ChangeEventType } from '../../outbox/outbox.repository';
import { FeedService } from '../feed.service';
import { givesUp, retryDelay, signature } from './delivery-rules';
import { WebhookScope } from './dto/webhook.dto';
import { SecretBox } from './secret-box';
import { send } from './webhook-sender';

/** Events read from the outbox into pending deliveries at a time. */
const PULL = 100;
/** A dispatch job hands its subscription back (for the next sweep) after about this long. */
const TURN_MS = 30_000;
/** How long a dispatcher's hold on a subscription lasts; renewed after every attempt (each ≤ 10 s). */
const LEASE = `interval '60 seconds'`;

interface Subscription {
  id: string;
  institution_id: string;
  url: string;
  events: ChangeEventType[];
  scope: WebhookScope;
  secret: Buffer;
  cursor: string;
}

interface Head {
  id: string;
  attempts: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date;
  seq: string;
  event_id: string;
  type: ChangeEventType;
  uscc: string;
  occurred_at: Date;
  data: Record<string, unknown>;
}

/**
 * Delivers the outbox to webhook subscriptions, at least once and in seq order per subscription.
 *
 * The database holds all the state: each subscription's cursor in the outbox and its pending
 * deliveries, oldest first. A dispatch (one Bull job per subscription, the job id its id) takes a
 * lease on the subscription, so only one dispatcher works it whatever Redis holds, then: when no
 * delivery is pending, reads the next settled events after the cursor through the feed's rule
 * (nothing committed later with a lower seq is skipped; scope=watchlist filters the same way),
 * keeps the wanted types as pending deliveries and moves the cursor, in one transaction; then sends
 * the oldest pending delivery. A failure schedules its retry and holds back the later ones of that
 * subscription only; after WEBHOOK_RETRY_HOURS it is dead-lettered and the next one goes.
 *
 * Redis only carries wake-ups: `sweep` (at worker start and every second) queues a job for each
 * subscription with work due, so jobs lost with Redis are made again from the database.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue,
    private readonly feed: FeedService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Queues a dispatch for every subscription with a due delivery or new outbox events; returns how many. */
  async sweep(): Promise<number> {
    const due: { id: string }[] = await this.dataSource.query(
      `SELECT s.id FROM webhook_subscriptions s
         LEFT JOIN LATERAL (SELECT d.subscription_id, d.next_attempt_at FROM webhook_deliveries d
                             WHERE d.subscription_id = s.id AND d.status = 'pending' ORDER BY d.id LIMIT 1) h ON true
        WHERE s.deleted_at IS NULL AND (s.lease_until IS NULL OR s.lease_until < now())
          AND (h.next_attempt_at <= $1
               OR (h.subscription_id IS NULL AND s.cursor < (SELECT coalesce(max(seq), 0) FROM change_events)))`,
      [this.clock.now()],
    );
    // A job already waiting or running under its id makes that job's add a no-op.
    const jobs = due.map(({ id }) => ({
      name: JobName.DeliverWebhooks,
      data: { subscriptionId: id },
      opts: { jobId: `webhook:${id}`, attempts: 1, removeOnComplete: true, removeOnFail: true },
    }));
    if (jobs.length) await this.queue.addBulk(jobs);
    return due.length;
  }

  /** Works one subscription for a turn; returns the deliveries made. */
  async dispatch(subscriptionId: string): Promise<{ delivered: number; failed: number }> {
    const lease = randomUUID();
    // An UPDATE … RETURNING comes back from TypeORM as [rows, count].
    const [[sub]]: [Subscription[], number] = await this.dataSource.query(
      `UPDATE webhook_subscriptions SET lease_token = $2, lease_until = now() + ${LEASE}
        WHERE id = $1 AND deleted_at IS NULL AND (lease_until IS NULL OR lease_until < now())
        RETURNING id, institution_id, url, events, scope, secret, cursor::text`,
      [subscriptionId, lease],
    );
    const outcome = { delivered: 0, failed: 0 };
    if (!sub) return outcome;
    try {
      const secret = this.box.open(sub.secret);
      for (const started = Date.now(); Date.now() - started < TURN_MS;) {
        const head = await this.head(sub.id);
        if (!head) {
          if (!(await this.pull(sub))) break;
          continue;
        }
        if (head.next_attempt_at > this.clock.now()) break;
        if (!(await this.attempt(sub, secret, head))) {
          outcome.failed++;
          break;
        }
        outcome.delivered++;
        await this.dataSource.query(
          `UPDATE webhook_subscriptions SET lease_until = now() + ${LEASE} WHERE id = $1 AND lease_token = $2`,
          [sub.id, lease],
        );
      }
    } finally {
      await this.dataSource.query(
        `UPDATE webhook_subscriptions SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2`,
        [sub.id, lease],
      );
    }
    return outcome;
  }

  private async head(subscriptionId: string): Promise<Head | undefined> {
    const [head]: Head[] = await this.dataSource.query(
      `SELECT d.id::text, d.attempts, d.first_attempt_at, d.next_attempt_at,
              e.seq::text, e.id AS event_id, e.type, e.uscc, e.occurred_at, e.data
         FROM webhook_deliveries d JOIN change_events e ON e.seq = d.event_seq
        WHERE d.subscription_id = $1 AND d.status = 'pending' ORDER BY d.id LIMIT 1`,
      [subscriptionId],
    );
    return head;
  }

  /** Takes the next settled events into pending deliveries; false when there is nothing new. */
  private async pull(sub: Subscription): Promise<boolean> {
    const after = Number(sub.cursor);
    const page = await this.feed.read({ after, limit: PULL, scope: sub.scope }, sub.institution_id);
    if (page.nextAfter <= after) return false;
    const wanted = page.events.filter((e) => sub.events.includes(e.type));
    const moved = await this.dataSource.transaction(async (manager) => {
      const [, updated]: [unknown, number] = await manager.query(
        `UPDATE webhook_subscriptions SET cursor = $3 WHERE id = $1 AND cursor = $2`,
        [sub.id, after, page.nextAfter],
      );
      if (!updated) return false; // replayed meanwhile: read again from the new cursor
      if (wanted.length) {
        await manager.query(
          `INSERT INTO webhook_deliveries (subscription_id, event_seq, event_id, event_type, status, created_at, next_attempt_at)
           SELECT $1, e.seq, e.id, e.type, 'pending', $5, $5
             FROM unnest($2::bigint[], $3::uuid[], $4::text[]) WITH ORDINALITY AS e(seq, id, type, n) ORDER BY n`,
          [sub.id, wanted.map((e) => e.seq), wanted.map((e) => e.id), wanted.map((e) => e.type), this.clock.now()],
        );
      }
      return true;
    });
    if (moved) {
      sub.cursor = String(page.nextAfter);
      return true;
    }
    const [{ cursor }] = await this.dataSource.query(`SELECT cursor::text FROM webhook_subscriptions WHERE id = $1`, [
      sub.id,
    ]);
    sub.cursor = cursor;
    return cursor !== String(after);
  }

  /** Sends the head delivery once and records the attempt; true when it was delivered. */
  private async attempt(sub: Subscription, secret: string, head: Head): Promise<boolean> {
    const body = JSON.stringify({
      id: head.event_id,
      seq: Number(head.seq),
      type: head.type,
      uscc: head.uscc,
      occurredAt: head.occurred_at,
      data: head.data,
    });
    const at = this.clock.now();
    const result = await send({
      url: sub.url,
      body,
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
      headers: {
        'user-agent': 'quality-credit-registry-webhooks/1',
        'x-event-id': head.event_id,
        'x-event-seq': head.seq,
        'x-event-type': head.type,
        'x-signature': signature(body, secret),
      },
    });
    const now = this.clock.now();
    const logged = JSON.stringify([
      { at, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs },
    ]);
    const failures = head.attempts + 1;
    const dead = !result.ok && givesUp(head.first_attempt_at ?? at, now, this.config.WEBHOOK_RETRY_HOURS * 3_600_000);
    const status = result.ok ? 'delivered' : dead ? 'dead' : 'pending';
    const next =
      status === 'pending' ? new Date(now.getTime() + retryDelay(failures, this.config.WEBHOOK_RETRY_BASE_MS)) : null;
    // A replay or deletion meanwhile has cancelled the delivery: its outcome is then only logged.
    await this.dataSource.query(
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, attempt_log = attempt_log || $2::jsonb, last_status_code = $3, last_error = $4,
              first_attempt_at = coalesce(first_attempt_at, $5),
              status = CASE WHEN status = 'pending' THEN $6 ELSE status END,
              next_attempt_at = CASE WHEN status = 'pending' THEN $7::timestamptz END,
              finished_at = CASE WHEN status = 'pending' AND $6 <> 'pending' THEN $8::timestamptz ELSE finished_at END
        WHERE id = $1`,
      [head.id, logged, result.statusCode, result.error, at, status, next, now],
    );
    if (dead) this.logger.warn(`webhook ${sub.id}: event ${head.seq} dead-lettered after ${failures} attempts`);
    return result.ok;
  }
}

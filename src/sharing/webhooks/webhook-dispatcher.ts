import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { JobName, QueueName } from '../../jobs/queues';
import { FeedService } from '../feed.service';
import { givesUp, retryDelay, signature } from './delivery-rules';
import { SecretBox } from './secret-box';
import { standardHeaders } from './signing';
import { messageBody, PendingDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { send } from './webhook-sender';
import { LeasedSubscription, WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

/** Events read from the outbox into pending deliveries at a time. */
const PULL = 100;
/** A dispatch job hands its subscription back (for the next sweep) after about this long. */
const TURN_MS = 30_000;

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
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue,
    private readonly feed: FeedService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Queues a dispatch for every subscription with a due delivery or new outbox events; returns how many. */
  async sweep(): Promise<number> {
    const due = await this.subscriptions.due(this.clock.now());
    // A job already waiting or running under its id makes that job's add a no-op.
    const jobs = due.map((id) => ({
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
    const sub = await this.subscriptions.lease(subscriptionId, lease);
    const outcome = { delivered: 0, failed: 0 };
    if (!sub) return outcome;
    try {
      for (const started = Date.now(); Date.now() - started < TURN_MS;) {
        const head = await this.deliveries.head(sub.id);
        if (!head) {
          if (!(await this.pull(sub))) break;
          continue;
        }
        if (head.next_attempt_at > this.clock.now()) break;
        if (!(await this.attempt(sub, head))) {
          outcome.failed++;
          break;
        }
        outcome.delivered++;
        await this.subscriptions.renewLease(sub.id, lease);
      }
    } finally {
      await this.subscriptions.releaseLease(sub.id, lease);
    }
    return outcome;
  }

  /** Takes the next settled events into pending deliveries; false when there is nothing new. */
  private async pull(sub: LeasedSubscription): Promise<boolean> {
    const after = Number(sub.cursor);
    const page = await this.feed.read({ after, limit: PULL, scope: sub.scope }, sub.institution_id);
    if (page.nextAfter <= after) return false;
    const wanted = page.events.filter((e) => sub.events.includes(e.type));
    const moved = await this.dataSource.transaction(async (manager) => {
      // Replayed meanwhile: read again from the new cursor.
      if (!(await this.subscriptions.moveCursor(manager, sub.id, after, page.nextAfter))) return false;
      await this.deliveries.addPending(manager, sub.id, wanted, this.clock.now());
      return true;
    });
    if (moved) {
      sub.cursor = String(page.nextAfter);
      return true;
    }
    const cursor = await this.subscriptions.cursorOf(sub.id);
    sub.cursor = cursor;
    return cursor !== String(after);
  }

  /**
   * Sends the head delivery once and records the attempt; true when it was delivered. It is signed
   * with every secret signing now (read at each attempt, so a rotation counts from the next one).
   */
  private async attempt(sub: LeasedSubscription, head: PendingDelivery): Promise<boolean> {
    const { message } = head;
    const body = messageBody(message);
    const at = this.clock.now();
    const [current, ...previous] = (await this.subscriptions.signingSecrets(sub.id, at)).map((s) => this.box.open(s));
    const result = await send({
      url: sub.url,
      body,
      allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
      headers: {
        'user-agent': 'quality-credit-registry-webhooks/1',
        // webhook-timestamp is the wall clock's, not the application's: a receiver holds it against
        // its own clock (five minutes either way in the standardwebhooks package).
        ...standardHeaders(message.id, new Date(), body, [current, ...previous]),
        'x-event-id': message.id,
        ...(message.seq === null ? {} : { 'x-event-seq': String(message.seq) }),
        'x-event-type': message.type,
        // Deprecated, kept for one release (webhook-signature replaces it): the current secret only.
        'x-signature': signature(body, current),
      },
    });
    const now = this.clock.now();
    const failures = head.attempts + 1;
    // A ping is a test of the receiver as it is now: tried once, never retried (it would only hold
    // the events behind it while the receiver is being fixed).
    const dead =
      !result.ok &&
      (message.seq === null || givesUp(head.first_attempt_at ?? at, now, this.config.WEBHOOK_RETRY_HOURS * 3_600_000));
    const status = result.ok ? 'delivered' : dead ? 'dead' : 'pending';
    const next =
      status === 'pending' ? new Date(now.getTime() + retryDelay(failures, this.config.WEBHOOK_RETRY_BASE_MS)) : null;
    await this.deliveries.recordAttempt(head.id, {
      at,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      status,
      next,
      finishedAt: now,
    });
    if (dead) {
      const what = message.seq === null ? 'ping' : `event ${message.seq}`;
      this.logger.warn(`webhook ${sub.id}: ${what} dead-lettered after ${failures} attempts`);
    }
    return result.ok;
  }
}

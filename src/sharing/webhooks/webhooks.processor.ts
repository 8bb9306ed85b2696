import { Process, Processor } from '@nestjs/bull';
import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Job } from 'bull';
import { JobName, QueueName } from '../../jobs/queues';
import { WebhookDispatcher } from './webhook-dispatcher';

/** How often a worker looks in the database for webhook work (new events, retries falling due). */
const SWEEP_MS = 1_000;

/**
 * Worker side of webhooks: dispatch jobs, several subscriptions at once (each one strictly in
 * order), and the sweep that makes those jobs from the database — at start and every second, so
 * a Redis that lost its jobs is refilled within a second and no event waits on Redis.
 */
@Processor(QueueName.Webhooks)
export class WebhooksProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhooksProcessor.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(private readonly dispatcher: WebhookDispatcher) {}

  onApplicationBootstrap(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = this.dispatcher
      .sweep()
      .then(() => undefined)
      .catch((error: Error) => {
        if (this.timer) this.logger.warn(`webhook sweep failed: ${error.message}`);
      })
      .finally(() => (this.sweeping = undefined));
  }

  @Process({ name: JobName.DeliverWebhooks, concurrency: 16 })
  deliver(job: Job<{ subscriptionId: string }>): Promise<{ delivered: number; failed: number }> {
    return this.dispatcher.dispatch(job.data.subscriptionId);
  }
}

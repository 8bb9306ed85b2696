import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { OutboxModule } from '../outbox/outbox.module';
import { CreditQueriesController } from './credit-queries.controller';
import { CreditQueriesService } from './credit-queries.service';
import { CreditStatusController } from './credit-status.controller';
import { CreditStatusService } from './credit-status.service';
import { ExportsController } from './exports/exports.controller';
import { ExportsService } from './exports/exports.service';
import { FeedController } from './feed.controller';
import { FeedService } from './feed.service';
import { StatusLookups } from './status-lookups';
import { WatchlistController } from './watchlist.controller';
import { WatchlistService } from './watchlist.service';
import { SecretBox } from './webhooks/secret-box';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

export const sharingControllers = [
  CreditStatusController,
  CreditQueriesController,
  FeedController,
  WatchlistController,
  WebhooksController,
  ExportsController,
];

/**
 * Sharing with finance and tax: credit status for
 * institutions (single and batch) with its query log, the change feed, watchlists, signed
 * webhooks and the daily export files, all fed by the outbox.
 */
@Module({
  imports: [RegistryModule, OutboxModule],
  providers: [
    CreditStatusService,
    StatusLookups,
    CreditQueriesService,
    FeedService,
    WatchlistService,
    SecretBox,
    WebhooksService,
    WebhookDispatcher,
    ExportsService,
  ],
  exports: [
    CreditStatusService,
    CreditQueriesService,
    FeedService,
    WatchlistService,
    WebhooksService,
    WebhookDispatcher,
    ExportsService,
  ],
})
export class SharingModule {}

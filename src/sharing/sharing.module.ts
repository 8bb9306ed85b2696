import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RegistryModule } from '../registry/registry.module';
import { CreditQueriesRepository } from './credit-queries.repository';
import { CreditQueriesController } from './credit-queries.controller';
import { CreditQueriesService } from './credit-queries.service';
import { CreditStatusController } from './credit-status.controller';
import { CreditStatusService } from './credit-status.service';
import { ExportsController } from './exports/exports.controller';
import { ExportsRepository } from './exports/exports.repository';
import { ExportsService } from './exports/exports.service';
import { FeedController } from './feed.controller';
import { FeedRepository } from './feed.repository';
import { FeedService } from './feed.service';
import { QueryLogService } from './query-log/query-log.service';
import { ScreeningsRepository } from './screenings.repository';
import { ScreeningsService } from './screenings.service';
import { StatusLookups } from './status-lookups';
import { WatchlistController } from './watchlist.controller';
import { WatchlistRepository } from './watchlist.repository';
import { WatchlistService } from './watchlist.service';
import { SecretBox } from './webhooks/secret-box';
import { WebhookDeliveriesRepository } from './webhooks/webhook-deliveries.repository';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookSubscriptionsRepository } from './webhooks/webhook-subscriptions.repository';
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
  imports: [RegistryModule, IdentityModule, OutboxModule],
  providers: [
    CreditQueriesRepository,
    CreditStatusService,
    StatusLookups,
    CreditQueriesService,
    ScreeningsRepository,
    ScreeningsService,
    FeedRepository,
    FeedService,
    WatchlistRepository,
    WatchlistService,
    SecretBox,
    WebhookSubscriptionsRepository,
    WebhookDeliveriesRepository,
    WebhooksService,
    WebhookDispatcher,
    ExportsRepository,
    ExportsService,
    QueryLogService,
  ],
  exports: [
    CreditStatusService,
    CreditQueriesService,
    ScreeningsService,
    FeedService,
    WatchlistService,
    WebhooksService,
    WebhookDispatcher,
    ExportsService,
    QueryLogService,
  ],
})
export class SharingModule {}

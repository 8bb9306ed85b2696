import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { ChangeEventsService } from './change-events.service';
import { CreditQueriesController } from './credit-queries.controller';
import { CreditQueriesService } from './credit-queries.service';
import { CreditStatusController } from './credit-status.controller';
import { CreditStatusService } from './credit-status.service';
import { FeedController } from './feed.controller';
import { FeedService } from './feed.service';
import { QueryLog } from './query-log';
import { WatchlistController } from './watchlist.controller';
import { WatchlistService } from './watchlist.service';

export const sharingControllers = [
  CreditStatusController,
  CreditQueriesController,
  FeedController,
  WatchlistController,
];

/**
 * Sharing with finance and tax: the outbox that every outbound channel reads, credit status for
 * institutions (single and batch) with its query log, the change feed, and watchlists.
 */
@Module({
  imports: [RegistryModule],
  providers: [ChangeEventsService, CreditStatusService, QueryLog, CreditQueriesService, FeedService, WatchlistService],
  exports: [ChangeEventsService, CreditStatusService, CreditQueriesService, FeedService, WatchlistService],
})
export class SharingModule {}

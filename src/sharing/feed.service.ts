import { Injectable } from '@nestjs/common';
import { FeedDto, FeedQuery } from './dto/feed.dto';
import { FeedRepository } from './feed.repository';

/**
 * The pull feed over the outbox. A consumer keeps the last `seq` it saw and asks for what comes
 * after; it must never miss an event, though sequence numbers are drawn before commit and a
 * transaction may commit after one that drew a higher number. So the feed shows only the prefix
 * of the outbox that can no longer change: the events below the horizon the outbox publishes
 * (`outbox_horizon`, see FeedRepository).
 */
@Injectable()
export class FeedService {
  constructor(private readonly feed: FeedRepository) {}

  async read(query: FeedQuery, institutionId: string): Promise<FeedDto> {
    const { events, last } = await this.feed.page(
      query.after,
      query.limit,
      query.scope === 'watchlist' ? institutionId : null,
    );
    // A full page ends at its last event; a short one has looked at everything settled.
    const nextAfter = events.length === query.limit ? events[events.length - 1].seq : Math.max(query.after, last);
    return { events, nextAfter };
  }
}

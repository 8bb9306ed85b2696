import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox, at the bottom of the features: the changes partners care about, written in the
 * transaction of the change itself by records, classification and the blacklist, and read by
 * the feed, the webhooks and the daily exports.
 */
@Module({ providers: [OutboxRepository], exports: [OutboxRepository] })
export class OutboxModule {}

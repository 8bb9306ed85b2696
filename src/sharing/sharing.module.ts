import { Module } from '@nestjs/common';
import { ChangeEventsService } from './change-events.service';

/** Sharing with finance and tax: for now the outbox that every outbound channel will read. */
@Module({
  providers: [ChangeEventsService],
  exports: [ChangeEventsService],
})
export class SharingModule {}

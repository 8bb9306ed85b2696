import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { OutboxModule } from '../outbox/outbox.module';
import { BlacklistController } from './blacklist.controller';
import { BlacklistService } from './blacklist.service';
import { CalendarController } from './calendar.controller';
import { CalendarService } from './calendar.service';

export const blacklistControllers = [BlacklistController, CalendarController];

/** The product-quality blacklist and the working calendar its deadlines count on (the expiry processor is in WorkerModule). */
@Module({
  imports: [RegistryModule, OutboxModule],
  providers: [BlacklistService, CalendarService],
  exports: [BlacklistService, CalendarService],
})
export class BlacklistModule {}

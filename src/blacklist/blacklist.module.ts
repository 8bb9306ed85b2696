import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RegistryModule } from '../registry/registry.module';
import { OutboxModule } from '../outbox/outbox.module';
import { BlacklistController } from './blacklist.controller';
import { BlacklistReads } from './blacklist-reads.repository';
import { BlacklistRepository } from './blacklist.repository';
import { BlacklistService } from './blacklist.service';
import { CalendarController } from './calendar.controller';
import { CalendarRepository } from './calendar.repository';
import { CalendarService } from './calendar.service';
import { EvidenceStore } from './evidence/evidence-store';
import { EvidenceRepository } from './evidence/evidence.repository';

export const blacklistControllers = [BlacklistController, CalendarController];

/**
 * The product-quality blacklist and the working calendar its deadlines count on (the expiry
 * processor is in WorkerModule). Modules above it read it through `BlacklistReads`.
 */
@Module({
  imports: [RegistryModule, IdentityModule, OutboxModule],
  providers: [
    BlacklistService,
    BlacklistRepository,
    BlacklistReads,
    CalendarService,
    CalendarRepository,
    EvidenceStore,
    EvidenceRepository,
  ],
  exports: [BlacklistService, BlacklistReads, CalendarService, EvidenceStore],
})
export class BlacklistModule {}

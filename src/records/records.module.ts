import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RegistryModule } from '../registry/registry.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RecordsController } from './records.controller';
import { RecordsRepository } from './records.repository';
import { RecordsService } from './records.service';

export const recordsControllers = [RecordsController];

/** The quality-credit information database: append-only records and their corrections. */
@Module({
  imports: [RegistryModule, IdentityModule, OutboxModule],
  providers: [RecordsService, RecordsRepository],
  exports: [RecordsService, RecordsRepository],
})
export class RecordsModule {}

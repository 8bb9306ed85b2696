import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { ImportsController } from './imports.controller';
import { ImportsService } from './imports.service';

export const importsControllers = [ImportsController];

/** Bulk CSV imports of records and enterprises (the processor is declared in WorkerModule). */
@Module({
  imports: [RegistryModule, RecordsModule],
  providers: [ImportsService],
  exports: [ImportsService],
})
export class ImportsModule {}

import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { CodeFiles } from './code-file';
import { ImportsController } from './imports.controller';
import { ImportJob } from './import-job';
import { ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';

export const importsControllers = [ImportsController];

/** Bulk CSV imports of records and enterprises (the processor is declared in WorkerModule). */
@Module({
  imports: [RegistryModule, IdentityModule, RecordsModule],
  providers: [ImportsService, ImportJob, ImportsRepository, CodeFiles],
  exports: [ImportsService, ImportJob, CodeFiles],
})
export class ImportsModule {}

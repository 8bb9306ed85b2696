import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { SharingModule } from '../sharing/sharing.module';
import { ClassificationController } from './classification.controller';
import { ClassificationService } from './classification.service';

export const classificationControllers = [ClassificationController];

/** The classification standard and the grades it gives (the processor is declared in WorkerModule). */
@Module({
  imports: [RegistryModule, RecordsModule, SharingModule],
  providers: [ClassificationService],
  exports: [ClassificationService],
})
export class ClassificationModule {}

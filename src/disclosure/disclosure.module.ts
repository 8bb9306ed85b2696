import { Module } from '@nestjs/common';
import { CheckpointsModule, checkpointsControllers } from './checkpoints/checkpoints.module';
import { CorrectionsModule } from './corrections/corrections.module';
import { OpenDataModule, openDataControllers } from './open-data/open-data.module';
import { ReportsModule, reportsControllers } from './reports/reports.module';
import { SearchModule, searchControllers } from './search/search.module';

export const disclosureControllers = [
  ...searchControllers,
  ...openDataControllers,
  ...reportsControllers,
  ...checkpointsControllers,
];

/**
 * What everyone may see, without credentials: published blacklist entries that are not
 * removed, disclosed records that are not superseded, names with personal data masked. Each
 * part answers with its own public DTOs, never the internal ones.
 */
@Module({
  imports: [SearchModule, OpenDataModule, ReportsModule, CheckpointsModule, CorrectionsModule],
  exports: [SearchModule, OpenDataModule, ReportsModule, CheckpointsModule, CorrectionsModule],
})
export class DisclosureModule {}

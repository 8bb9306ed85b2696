import { Module } from '@nestjs/common';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { ClassificationModule } from '../classification/classification.module';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

export const statsControllers = [StatsController];

/** Figures for regulators: grades by district, blacklist flow by month, the spot-check pass rate. */
@Module({
  imports: [RegistryModule, RecordsModule, BlacklistModule, ClassificationModule],
  providers: [StatsService],
  exports: [StatsService],
})
export class StatsModule {}

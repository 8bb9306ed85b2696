import { Module } from '@nestjs/common';
import { BlacklistModule } from './blacklist/blacklist.module';
import { BlacklistProcessor } from './blacklist/blacklist.processor';
import { ClassificationModule } from './classification/classification.module';
import { ClassificationProcessor } from './classification/classification.processor';
import { RecomputeRunsProcessor } from './classification/recompute-runs.processor';
import { CheckpointsModule } from './disclosure/checkpoints/checkpoints.module';
import { AuditCheckpointsProcessor } from './disclosure/checkpoints/audit-checkpoints.processor';
import { ImportsModule } from './imports/imports.module';
import { ImportsProcessor } from './imports/imports.processor';
import { ExportsProcessor } from './sharing/exports/exports.processor';
import { QueryLogProcessor } from './sharing/query-log/query-log.processor';
import { ScreeningsProcessor } from './sharing/screenings.processor';
import { SharingModule } from './sharing/sharing.module';
import { WebhooksProcessor } from './sharing/webhooks/webhooks.processor';

/**
 * The worker role: Bull processors and schedules. Processors are declared here and nowhere
 * else, so an api-only process never takes jobs.
 */
@Module({
  imports: [ImportsModule, ClassificationModule, BlacklistModule, SharingModule, CheckpointsModule],
  providers: [
    ImportsProcessor,
    ClassificationProcessor,
    RecomputeRunsProcessor,
    BlacklistProcessor,
    WebhooksProcessor,
    ExportsProcessor,
    AuditCheckpointsProcessor,
    ScreeningsProcessor,
    QueryLogProcessor,
  ],
})
export class WorkerModule {}

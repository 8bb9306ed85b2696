import { Module } from '@nestjs/common';
import { ReportsModule } from '../reports/reports.module';
import { AuditCheckpointsController, PublicAuditCheckpointsController } from './audit-checkpoints.controller';
import { AuditCheckpointsService } from './audit-checkpoints.service';

export const checkpointsControllers = [PublicAuditCheckpointsController, AuditCheckpointsController];

/** Signed checkpoints of the audit chain, made with the report-signing key and published. */
@Module({
  imports: [ReportsModule],
  providers: [AuditCheckpointsService],
  exports: [AuditCheckpointsService],
})
export class CheckpointsModule {}

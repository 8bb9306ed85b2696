import { Module } from '@nestjs/common';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { OutboxModule } from '../outbox/outbox.module';
import { RecordsModule } from '../records/records.module';
import { RegistryModule } from '../registry/registry.module';
import { ClassificationController } from './classification.controller';
import { ClassificationRepository } from './classification.repository';
import { ClassificationService } from './classification.service';
import { GradingFactsRepository } from './grading-facts.repository';
import { RecomputeAll } from './recompute-all';
import { RecomputeRunsRepository } from './recompute-runs.repository';
import { RuleSetDryRun } from './rule-set-dry-run';
import { RuleSetsController } from './rule-sets.controller';
import { RuleSetsRepository } from './rule-sets.repository';
import { RuleSetsService } from './rule-sets.service';
import { RegisterGradesModule } from './register-grades.module';

export const classificationControllers = [ClassificationController, RuleSetsController];

/** The classification standard and the grades it gives (the processor is declared in WorkerModule). */
@Module({
  imports: [RegistryModule, RecordsModule, BlacklistModule, OutboxModule, RegisterGradesModule],
  providers: [
    ClassificationService,
    ClassificationRepository,
    GradingFactsRepository,
    RecomputeAll,
    RecomputeRunsRepository,
    RuleSetDryRun,
    RuleSetsRepository,
    RuleSetsService,
  ],
  exports: [ClassificationService, ClassificationRepository, RecomputeAll, RuleSetDryRun, RuleSetsService],
})
export class ClassificationModule {}

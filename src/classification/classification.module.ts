import { Module } from '@nestjs/common';
import { RegistryModule } from '../registry/registry.module';
import { OutboxModule } from '../outbox/outbox.module';
import { ClassificationController } from './classification.controller';
import { ClassificationService } from './classification.service';
import { RecomputeAll } from './recompute-all';
import { RecomputeRunsRepository } from './recompute-runs.repository';
import { RuleSetsController } from './rule-sets.controller';
import { RuleSetsService } from './rule-sets.service';
import { EnterpriseGradesRepository } from './enterprise-grades.repository';
import { RegisterGradesModule } from './register-grades.module';

export const classificationControllers = [ClassificationController, RuleSetsController];

/** The classification standard and the grades it gives (the processor is declared in WorkerModule). */
@Module({
  imports: [RegistryModule, OutboxModule, RegisterGradesModule],
  providers: [
    EnterpriseGradesRepository,
    ClassificationService,
    RecomputeAll,
    RecomputeRunsRepository,
    RuleSetsService,
  ],
  exports: [EnterpriseGradesRepository, ClassificationService, RecomputeAll, RuleSetsService],
})
export class ClassificationModule {}

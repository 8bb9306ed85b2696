import { Global, Module } from '@nestjs/common';
import { EnterpriseGrades } from '../registry/enterprise-grades';
import { ClassificationRepository } from './classification.repository';
import { RegisterGrades } from './register-grades';

/**
 * Provides the registry's EnterpriseGrades port. Global, because the registry sits below this
 * module and cannot import it. It holds its own ClassificationRepository (stateless) so that it
 * stands without ClassificationModule, as in the seed.
 */
@Global()
@Module({
  providers: [ClassificationRepository, { provide: EnterpriseGrades, useClass: RegisterGrades }],
  exports: [EnterpriseGrades],
})
export class RegisterGradesModule {}

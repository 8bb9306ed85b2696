import { Global, Module } from '@nestjs/common';
import { EnterpriseGrades } from '../registry/enterprise-grades';
import { RegisterGrades } from './register-grades.repository';

/**
 * Provides the registry's EnterpriseGrades port. Global, because the registry sits below this
 * module and cannot import it.
 */
@Global()
@Module({
  providers: [{ provide: EnterpriseGrades, useClass: RegisterGrades }],
  exports: [EnterpriseGrades],
})
export class RegisterGradesModule {}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EnterpriseGrade, EnterpriseGrades } from '../registry/enterprise-grades';
import { ClassificationRepository } from './classification.repository';

/** The current grades as the register shows and filters them: the registry's EnterpriseGrades. */
@Injectable()
export class RegisterGrades extends EnterpriseGrades {
  constructor(private readonly grades: ClassificationRepository) {
    super();
  }

  of(enterpriseIds: string[], manager?: EntityManager): Promise<Map<string, EnterpriseGrade>> {
    return this.grades.gradesOf(enterpriseIds, manager);
  }

  withGrade(grade: EnterpriseGrade): Promise<string[]> {
    return this.grades.withGrade(grade);
  }
}

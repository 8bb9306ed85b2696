import type { EntityManager } from 'typeorm';
import type { EnterpriseDto } from './dto/enterprise.dto';

export type EnterpriseGrade = NonNullable<EnterpriseDto['grade']>;

/**
 * Each enterprise's current grade, for the register's answers: a file shows it, and the list
 * filters by it. The grades are the classification module's, which sits above the registry, so
 * the registry names this port and classification provides it (as `identity` provides the access
 * guard's Credentials).
 */
export abstract class EnterpriseGrades {
  /** The current grade of each of these enterprises (by id) that has one, read through `manager` when given. */
  abstract of(enterpriseIds: string[], manager?: EntityManager): Promise<Map<string, EnterpriseGrade>>;
  /** The ids of the enterprises whose current grade is `grade`. */
  abstract withGrade(grade: EnterpriseGrade): Promise<string[]>;
}

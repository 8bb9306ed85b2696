import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EnterpriseGrade, EnterpriseGrades } from '../registry/enterprise-grades';

/** The current grades (`classifications`) as the register shows and filters them: the registry's EnterpriseGrades. */
@Injectable()
export class RegisterGrades extends EnterpriseGrades {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async of(enterpriseIds: string[], manager: EntityManager = this.db.manager): Promise<Map<string, EnterpriseGrade>> {
    const grades: { id: string; grade: EnterpriseGrade }[] = await manager.query(
      `SELECT enterprise_id::text AS id, grade FROM classifications WHERE enterprise_id = ANY($1::bigint[])`,
      [enterpriseIds],
    );
    return new Map(grades.map((g) => [g.id, g.grade]));
  }

  async withGrade(grade: EnterpriseGrade): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT enterprise_id::text AS id FROM classifications WHERE grade = $1`,
      [grade],
    );
    return rows.map((r) => r.id);
  }
}

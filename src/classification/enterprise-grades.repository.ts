import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Grade } from './rule-set';

export interface CurrentGrade {
  grade: Grade;
  ruleSetVersion: number;
}

/** An enterprise's current grade, for the modules that show it. */
@Injectable()
export class EnterpriseGradesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Null while the enterprise has not been graded. */
  async current(enterpriseId: string): Promise<CurrentGrade | null> {
    const [row]: { grade: Grade; rule_set_version: number }[] = await this.db.query(
      `SELECT grade, rule_set_version FROM classifications WHERE enterprise_id = $1`,
      [enterpriseId],
    );
    return row ? { grade: row.grade, ruleSetVersion: row.rule_set_version } : null;
  }
}

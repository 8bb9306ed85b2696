import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The departments that consume the registry's data (finance and tax), for the daily exports. */
@Injectable()
export class ConsumingDepartmentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The codes of the finance and tax departments in force (not merged into another), in code order. */
  async codes(): Promise<string[]> {
    const rows: { code: string }[] = await this.db.query(
      `SELECT code FROM departments WHERE kind IN ('finance', 'tax') AND successor_code IS NULL ORDER BY code`,
    );
    return rows.map((d) => d.code);
  }
}

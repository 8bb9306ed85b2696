import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface DepartmentName {
  zh: string;
  en: string;
}

/** The departments' names, for the modules that show who decided or recorded something. */
@Injectable()
export class DepartmentNamesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The names of these departments, by code (an unknown code is left out). */
  async byCodes(codes: string[]): Promise<Map<string, DepartmentName>> {
    if (codes.length === 0) return new Map();
    const rows: { code: string; name_zh: string; name_en: string }[] = await this.db.query(
      `SELECT code, name_zh, name_en FROM departments WHERE code = ANY($1::text[])`,
      [[...new Set(codes)]],
    );
    return new Map(rows.map((r) => [r.code, { zh: r.name_zh, en: r.name_en }]));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InstitutionKind } from './institution.entity';

export interface InstitutionName {
  name: string;
  kind: InstitutionKind;
}

/** Institutions' names and kinds, for modules that show who did something (the query log). */
@Injectable()
export class InstitutionNamesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The name and kind of each institution of `ids` that exists, by id. */
  async namesOf(ids: readonly string[]): Promise<Map<string, InstitutionName>> {
    if (!ids.length) return new Map();
    const rows: (InstitutionName & { id: string })[] = await this.db.query(
      `SELECT id, name, kind FROM institutions WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map(({ id, name, kind }) => [id, { name, kind }]));
  }
}

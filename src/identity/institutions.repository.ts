import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CreateInstitutionDto } from './dto/institution.dto';
import { Institution, InstitutionKind } from './institution.entity';

export interface InstitutionName {
  name: string;
  kind: InstitutionKind;
}

/**
 * The institutions (banks, tax offices) that query the registry with API keys, and their names
 * and kinds for the modules that show who did something (the query log).
 */
@Injectable()
export class InstitutionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  insert(manager: EntityManager, dto: CreateInstitutionDto): Promise<Institution> {
    return manager.save(manager.create(Institution, dto));
  }

  list(): Promise<Institution[]> {
    return this.db.getRepository(Institution).find({ order: { name: 'ASC' } });
  }

  find(id: string): Promise<Institution | null> {
    return this.db.getRepository(Institution).findOneBy({ id });
  }

  /** The name and kind of each institution of `ids` that exists, by id. */
  async namesByIds(ids: readonly string[]): Promise<Map<string, InstitutionName>> {
    if (!ids.length) return new Map();
    const rows: (InstitutionName & { id: string })[] = await this.db.query(
      `SELECT id, name, kind FROM institutions WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map(({ id, name, kind }) => [id, { name, kind }]));
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CreateInstitutionDto } from './dto/institution.dto';
import { Institution } from './institution.entity';

/** The institutions (banks, tax offices) that query the registry with API keys. */
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
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { District } from './district.entity';

/** The city's districts (reference data a migration loads). */
@Injectable()
export class DistrictsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(): Promise<District[]> {
    return this.db.getRepository(District).find({ order: { code: 'ASC' } });
  }
}

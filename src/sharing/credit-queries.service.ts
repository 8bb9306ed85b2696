import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Page, pageOf } from '../common/pagination';
import { EnterprisesService } from '../registry/enterprises.service';
import { CreditQueryDto, ListCreditQueriesQuery } from './dto/credit-query.dto';

/** Who looked an enterprise up (as the PBoC credit reference centre shows a subject): newest first. */
@Injectable()
export class CreditQueriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly enterprises: EnterprisesService,
  ) {}

  async list(uscc: string, query: ListCreditQueriesQuery): Promise<Page<CreditQueryDto>> {
    const enterprise = await this.enterprises.resolve(uscc, null);
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM credit_queries WHERE uscc = $1`,
      [enterprise.uscc],
    );
    const items: CreditQueryDto[] = await this.dataSource.query(
      `SELECT i.name AS institution, i.kind AS "institutionKind", q.purpose, q.asked_at AS "askedAt", q.as_of AS "asOf"
         FROM credit_queries q JOIN institutions i ON i.id = q.institution_id
        WHERE q.uscc = $1
        ORDER BY q.asked_at DESC, q.id DESC LIMIT $2 OFFSET $3`,
      [enterprise.uscc, query.pageSize, query.offset],
    );
    return pageOf(items, total, query);
  }
}

import { Injectable } from '@nestjs/common';
import { Page, pageOf, PageQuery } from '../common/pagination';
import { InstitutionsRepository } from '../identity/institutions.repository';
import { EnterprisesService } from '../registry/enterprises.service';
import { AskedFilter, CreditQueriesRepository, InstitutionQuery } from './credit-queries.repository';
import { CreditQueryDto, ListCreditQueriesQuery } from './dto/credit-query.dto';

/** Who looked an enterprise up (as the PBoC credit reference centre shows a subject): newest first. */
@Injectable()
export class CreditQueriesService {
  constructor(
    private readonly queries: CreditQueriesRepository,
    private readonly institutions: InstitutionsRepository,
    private readonly enterprises: EnterprisesService,
  ) {}

  async list(uscc: string, query: ListCreditQueriesQuery): Promise<Page<CreditQueryDto>> {
    const enterprise = await this.enterprises.resolve(uscc, null);
    const [total, rows] = await Promise.all([
      this.queries.countAbout(enterprise.uscc),
      this.queries.about(enterprise.uscc, query.pageSize, query.offset),
    ]);
    const names = await this.institutions.namesByIds(rows.map((r) => r.institutionId));
    // Institutions are never deleted, so every row names one; a row that did not would not be shown.
    const items = rows.flatMap(({ institutionId, purpose, askedAt, asOf }): CreditQueryDto[] => {
      const institution = names.get(institutionId);
      return institution
        ? [{ institution: institution.name, institutionKind: institution.kind, purpose, askedAt, asOf }]
        : [];
    });
    return pageOf(items, total, query);
  }

  /** The look-ups an institution made (its users' and its keys'), newest first, those matching `filter`. */
  async ofInstitution(institutionId: string, filter: AskedFilter, query: PageQuery): Promise<Page<InstitutionQuery>> {
    const [total, rows] = await Promise.all([
      this.queries.countBy(institutionId, filter),
      this.queries.by(institutionId, filter, query.pageSize, query.offset),
    ]);
    return pageOf(rows, total, query);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EnterpriseScope, enterpriseScopeWhere } from '../database/enterprise-scope';

/** What other modules grade and count an enterprise by: its key, credit code and district. */
export interface EnterpriseFacts {
  id: string;
  uscc: string;
  districtCode: string;
}

/**
 * The register as other modules read it, set-based: the enterprises of a key range or of a list
 * of ids (a chunk of a recompute), and the ids of each district (the statistics). Read methods
 * take the caller's manager so they see its transaction's snapshot.
 */
@Injectable()
export class EnterpriseFactsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The enterprises of `scope` that exist, in key order. */
  inScope(scope: EnterpriseScope, manager: EntityManager = this.db.manager): Promise<EnterpriseFacts[]> {
    const [where, params] = enterpriseScopeWhere('id', scope);
    return manager.query(
      `SELECT id::text, uscc, district_code AS "districtCode" FROM enterprises WHERE ${where} ORDER BY id`,
      params,
    );
  }

  /** The ids of the enterprises of each district that has any. */
  idsByDistrict(): Promise<{ districtCode: string; ids: string[] }[]> {
    return this.db.query(
      `SELECT district_code AS "districtCode", array_agg(id::text) AS ids FROM enterprises GROUP BY district_code`,
    );
  }
}

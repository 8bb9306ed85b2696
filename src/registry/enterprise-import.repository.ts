import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * Rows an import has staged in a table of its own (`line`, `rejected`, and the enterprise columns
 * `uscc`, `name`, `district_code`, `industry_code`, `legal_representative`, `address`,
 * `registered_on`), and the lines of the chunk to merge.
 */
export interface StagedEnterprises {
  table: string;
  fromLine: number;
  toLine: number;
}

/** The register's side of a bulk import of enterprises: the set-based merge of checked rows. */
@Injectable()
export class EnterpriseImportRepository {
  /** Merges the good staged rows of one chunk; a registered code is skipped. Returns the rows inserted. */
  async mergeStaged(manager: EntityManager, staged: StagedEnterprises): Promise<number> {
    const [{ inserted }] = await manager.query(
      `WITH inserted AS (
         INSERT INTO enterprises (uscc, name, district_code, industry_code, legal_representative, address, registered_on)
         SELECT uscc, name, district_code, industry_code, legal_representative, address, registered_on FROM ${staged.table}
          WHERE line BETWEEN $1 AND $2 AND NOT rejected
         ON CONFLICT (uscc) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS inserted FROM inserted`,
      [staged.fromLine, staged.toLine],
    );
    return inserted;
  }
}

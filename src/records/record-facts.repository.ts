import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EnterpriseScope, enterpriseScopeWhere } from '../database/enterprise-scope';

/** A record in force as the classifier reads it. */
export interface RecordFactRow {
  id: string;
  type: string;
  severity: string;
  occurredOn: string;
}

/**
 * The records as other modules read them, set-based (arrays of enterprise ids in, one row per
 * enterprise out): what a recompute grades from, and the spot checks the statistics count.
 * Read methods take the caller's manager so they see its transaction's snapshot.
 */
@Injectable()
export class RecordFactsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The id of the newest record of each enterprise of `scope` that has one. Records are
   * append-only and a correction is a new row, so any change to an enterprise's records raises it.
   * Read from the enterprise index's entries alone.
   */
  async newestIds(scope: EnterpriseScope, manager: EntityManager = this.db.manager): Promise<Map<string, string>> {
    const [where, params] = enterpriseScopeWhere('enterprise_id', scope);
    const rows: { id: string; newest: string }[] = await manager.query(
      `SELECT enterprise_id::text AS id, max(id)::text AS newest FROM credit_records WHERE ${where} GROUP BY enterprise_id`,
      params,
    );
    return new Map(rows.map((r) => [r.id, r.newest]));
  }

  /**
   * The records in force (neither withdrawn nor superseded) of each of `enterpriseIds`,
   * aggregated in SQL, one row per enterprise however many records it has.
   */
  async inForce(
    enterpriseIds: string[],
    manager: EntityManager = this.db.manager,
  ): Promise<Map<string, RecordFactRow[]>> {
    const rows: { id: string; records: [string, string, string, string][] | null }[] = await manager.query(
      `SELECT u.id::text,
              (SELECT json_agg(json_build_array(r.id::text, r.type, r.severity, r.occurred_on))
                 FROM credit_records_in_force r WHERE r.enterprise_id = u.id) AS records
         FROM unnest($1::bigint[]) AS u(id)`,
      [enterpriseIds],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        (row.records ?? []).map(([id, type, severity, occurredOn]) => ({ id, type, severity, occurredOn })),
      ]),
    );
  }

  /** Spot checks in force of `enterpriseIds` that took place from `from` to `to` (dates): passed and failed. */
  async spotChecks(enterpriseIds: string[], from: string, to: string): Promise<{ passed: number; failed: number }> {
    const [row]: { passed: number; failed: number }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE r.type = 'spot_check_pass')::int AS passed,
              count(*) FILTER (WHERE r.type = 'spot_check_fail')::int AS failed
         FROM credit_records_in_force r
        WHERE r.enterprise_id = ANY($1::bigint[]) AND r.type IN ('spot_check_pass', 'spot_check_fail')
          AND r.occurred_on BETWEEN $2 AND $3`,
      [enterpriseIds, from, to],
    );
    return row;
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A disclosed record in force, as the public may read it (the department by its code). */
export interface DisclosedRecord {
  id: string;
  type: string;
  severity: string;
  /** `YYYY-MM-DD`. */
  occurredOn: string;
  documentNo: string;
  summary: string;
  departmentCode: string;
}

/**
 * The records the public sees of an enterprise: disclosed, in force (not withdrawn, not
 * superseded by a correction).
 */
@Injectable()
export class DisclosedRecordsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Newest occurrence first. */
  async inForce(enterpriseId: string): Promise<DisclosedRecord[]> {
    const rows: Record<string, string>[] = await this.db.query(
      `SELECT r.id::text, r.type, r.severity, to_char(r.occurred_on, 'YYYY-MM-DD') AS occurred_on, r.document_no,
              r.summary, r.department_code
         FROM credit_records_in_force r
        WHERE r.enterprise_id = $1 AND r.disclosed
        ORDER BY r.occurred_on DESC, r.id DESC`,
      [enterpriseId],
    );
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      severity: r.severity,
      occurredOn: r.occurred_on,
      documentNo: r.document_no,
      summary: r.summary,
      departmentCode: r.department_code,
    }));
  }

  /** How many of them there are of each type, the types in order. */
  async countsByType(enterpriseId: string): Promise<Record<string, number>> {
    const [{ counts }]: { counts: Record<string, number> }[] = await this.db.query(
      `SELECT coalesce(json_object_agg(r.type, r.n ORDER BY r.type), '{}') AS counts
         FROM (SELECT type, count(*)::int AS n FROM credit_records_in_force
                WHERE enterprise_id = $1 AND disclosed GROUP BY type) r`,
      [enterpriseId],
    );
    return counts;
  }
}

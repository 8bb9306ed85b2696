import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Screening, ScreeningCounts, ScreeningRow } from './screenings.service';

const COLUMNS = `id, purpose, file_name AS "fileName", screened_at AS "screenedAt", status, total, screened,
  finished_at AS "finishedAt", counts`;

/** Batch screenings (credit_screenings): started, advanced, finished once; read by the institution that screened. */
@Injectable()
export class ScreeningsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async start(screening: Screening & { institutionId: string; userId: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO credit_screenings (id, institution_id, user_id, purpose, file_name, screened_at, status, total)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)`,
      [
        screening.id,
        screening.institutionId,
        screening.userId,
        screening.purpose,
        screening.fileName,
        screening.screenedAt,
        screening.total,
      ],
    );
  }

  async advance(id: string, screened: number): Promise<void> {
    await this.db.query(`UPDATE credit_screenings SET screened = $2 WHERE id = $1 AND status = 'running'`, [
      id,
      screened,
    ]);
  }

  async complete(id: string, at: Date, counts: ScreeningCounts, rows: ScreeningRow[]): Promise<void> {
    await this.db.query(
      `UPDATE credit_screenings SET status = 'completed', screened = total, finished_at = $2, counts = $3, rows = $4
        WHERE id = $1`,
      [id, at, JSON.stringify(counts), JSON.stringify(rows)],
    );
  }

  async fail(id: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE credit_screenings SET status = 'failed', finished_at = $2 WHERE id = $1 AND status = 'running'`,
      [id, at],
    );
  }

  /** The screening, if institution `institutionId` made it. */
  async find(id: string, institutionId: string): Promise<Screening | null> {
    const [found]: Screening[] = await this.db.query(
      `SELECT ${COLUMNS} FROM credit_screenings WHERE id = $1 AND institution_id = $2`,
      [id, institutionId],
    );
    return found ?? null;
  }

  /** Its rows, in the file's order, if institution `institutionId` made it and it is completed. */
  async rows(id: string, institutionId: string): Promise<ScreeningRow[] | null> {
    const [found]: { rows: ScreeningRow[] }[] = await this.db.query(
      `SELECT rows FROM credit_screenings WHERE id = $1 AND institution_id = $2 AND status = 'completed'`,
      [id, institutionId],
    );
    return found?.rows ?? null;
  }

  /**
   * The first `limit` rows of a completed screening that are invalid codes, and those that are
   * blacklisted enterprises: picked out of the JSON by the database, so the page does not read
   * them all.
   */
  async notable(
    id: string,
    institutionId: string,
    limit: number,
  ): Promise<{ invalid: ScreeningRow[]; blacklisted: ScreeningRow[] }> {
    const [found]: { invalid: ScreeningRow[] | null; blacklisted: ScreeningRow[] | null }[] = await this.db.query(
      `SELECT (SELECT jsonb_agg(r ORDER BY n) FROM (SELECT r, n FROM jsonb_array_elements(s.rows) WITH ORDINALITY AS x(r, n)
                 WHERE r->>'outcome' = 'invalid' ORDER BY n LIMIT $3) i) AS invalid,
              (SELECT jsonb_agg(r ORDER BY n) FROM (SELECT r, n FROM jsonb_array_elements(s.rows) WITH ORDINALITY AS x(r, n)
                 WHERE (r->>'blacklisted')::boolean ORDER BY n LIMIT $3) b) AS blacklisted
         FROM credit_screenings s WHERE s.id = $1 AND s.institution_id = $2 AND s.status = 'completed'`,
      [id, institutionId, limit],
    );
    return { invalid: found?.invalid ?? [], blacklisted: found?.blacklisted ?? [] };
  }

  /** The institution's latest screenings, newest first. */
  recent(institutionId: string, limit: number): Promise<Screening[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM credit_screenings WHERE institution_id = $1 ORDER BY screened_at DESC, id LIMIT $2`,
      [institutionId, limit],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Purpose } from './purposes';
import type { ScreenedInput, Screening, ScreeningCounts, ScreeningRow } from './screenings.service';

/** A running screening as its worker reads it. */
export interface ScreeningJob {
  institutionId: string;
  userId: string;
  purpose: Purpose;
  inputs: ScreenedInput[];
  /** The chunks already recorded. */
  done: number[];
}

const COLUMNS = `id, purpose, file_name AS "fileName", screened_at AS "screenedAt", status, total, screened,
  finished_at AS "finishedAt", counts`;

/**
 * Batch screenings (credit_screenings, with credit_screening_chunks while they run): started with
 * their codes, advanced a chunk at a time, finished once, deleted after their retention; read by
 * the institution that screened.
 */
@Injectable()
export class ScreeningsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records the screening with its accepted codes: once this has committed, the upload is acknowledged. */
  async start(
    screening: Screening & { institutionId: string; userId: string },
    inputs: readonly ScreenedInput[],
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO credit_screenings (id, institution_id, user_id, purpose, file_name, screened_at, status, total, inputs)
       VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8)`,
      [
        screening.id,
        screening.institutionId,
        screening.userId,
        screening.purpose,
        screening.fileName,
        screening.screenedAt,
        screening.total,
        JSON.stringify(inputs),
      ],
    );
  }

  /** What the worker needs to screen a running screening: its codes, and the chunks already recorded. */
  async forJob(id: string): Promise<ScreeningJob | null> {
    const [found]: ScreeningJob[] = await this.db.query(
      `SELECT s.institution_id AS "institutionId", s.user_id AS "userId", s.purpose, s.inputs,
              ARRAY(SELECT c.chunk FROM credit_screening_chunks c WHERE c.screening_id = s.id ORDER BY c.chunk) AS done
         FROM credit_screenings s WHERE s.id = $1 AND s.status = 'running'`,
      [id],
    );
    return found ?? null;
  }

  /**
   * Records chunk `chunk`'s rows and counts them as screened, in one statement; a chunk already
   * recorded (by a run that was thought lost) is left as it was and not counted twice.
   */
  async record(id: string, chunk: number, rows: ScreeningRow[]): Promise<void> {
    await this.db.query(
      `WITH added AS (
         INSERT INTO credit_screening_chunks (screening_id, chunk, rows)
         SELECT id, $2, $3 FROM credit_screenings WHERE id = $1 AND status = 'running'
         ON CONFLICT DO NOTHING RETURNING jsonb_array_length(rows) AS n)
       UPDATE credit_screenings SET screened = screened + (SELECT n FROM added)
        WHERE id = $1 AND EXISTS (SELECT 1 FROM added)`,
      [id, chunk, JSON.stringify(rows)],
    );
  }

  /** The rows recorded so far, in the file's order. */
  async recorded(id: string): Promise<ScreeningRow[]> {
    const chunks: { rows: ScreeningRow[] }[] = await this.db.query(
      `SELECT rows FROM credit_screening_chunks WHERE screening_id = $1 ORDER BY chunk`,
      [id],
    );
    return chunks.flatMap((c) => c.rows);
  }

  /** Ends a running screening with its counts and rows; its codes and chunks are no longer needed. */
  async complete(id: string, at: Date, counts: ScreeningCounts, rows: ScreeningRow[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE credit_screenings
            SET status = 'completed', screened = total, finished_at = $2, counts = $3, rows = $4, inputs = NULL
          WHERE id = $1 AND status = 'running'`,
        [id, at, JSON.stringify(counts), JSON.stringify(rows)],
      );
      await manager.query(`DELETE FROM credit_screening_chunks WHERE screening_id = $1`, [id]);
    });
  }

  async fail(id: string, at: Date): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE credit_screenings SET status = 'failed', finished_at = $2, inputs = NULL WHERE id = $1 AND status = 'running'`,
        [id, at],
      );
      await manager.query(`DELETE FROM credit_screening_chunks WHERE screening_id = $1`, [id]);
    });
  }

  /** The screenings not yet ended, oldest first. */
  async running(): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM credit_screenings WHERE status = 'running' ORDER BY screened_at`,
    );
    return rows.map((r) => r.id);
  }

  /** Deletes the screenings that ended before `before`, with their results; how many. */
  async deleteEnded(before: Date): Promise<number> {
    const [, deleted]: [unknown, number] = await this.db.query(`DELETE FROM credit_screenings WHERE finished_at < $1`, [
      before,
    ]);
    return deleted;
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

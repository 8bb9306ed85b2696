import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Screening, ScreeningRow } from './screenings.service';

const COLUMNS = `id, purpose, file_name AS "fileName", screened_at AS "screenedAt", counts`;

/** Batch screenings' results (credit_screenings): written once, read by the institution that screened. */
@Injectable()
export class ScreeningsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(screening: Screening & { institutionId: string; userId: string }, rows: ScreeningRow[]): Promise<void> {
    await this.db.query(
      `INSERT INTO credit_screenings (id, institution_id, user_id, purpose, file_name, screened_at, counts, rows)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        screening.id,
        screening.institutionId,
        screening.userId,
        screening.purpose,
        screening.fileName,
        screening.screenedAt,
        JSON.stringify(screening.counts),
        JSON.stringify(rows),
      ],
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

  /** Its rows, in the file's order, if institution `institutionId` made it. */
  async rows(id: string, institutionId: string): Promise<ScreeningRow[] | null> {
    const [found]: { rows: ScreeningRow[] }[] = await this.db.query(
      `SELECT rows FROM credit_screenings WHERE id = $1 AND institution_id = $2`,
      [id, institutionId],
    );
    return found?.rows ?? null;
  }

  /** The institution's latest screenings, newest first. */
  recent(institutionId: string, limit: number): Promise<Screening[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM credit_screenings WHERE institution_id = $1 ORDER BY screened_at DESC, id LIMIT $2`,
      [institutionId, limit],
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Page } from '../../common/pagination';
import { CorrectionRequest, CorrectionStatus, CreateCorrectionDto } from './dto/correction.dto';

const COLUMNS = `c.id::text AS id,
  'JC-' || to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(c.id::text, 6, '0') AS number,
  c.kind, c.subject, c.description, c.contact, c.status, c.answer,
  c.handled_by AS "handledBy", c.handled_at AS "handledAt", c.created_at AS "createdAt"`;
const FROM = `correction_requests c`;

/** correction_requests: what the public reported as wrong, and staff's answers. */
@Injectable()
export class CorrectionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(dto: CreateCorrectionDto, at: Date): Promise<CorrectionRequest> {
    const [row] = await this.db.query(
      `WITH c AS (
         INSERT INTO correction_requests (kind, subject, description, contact, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING *)
       SELECT ${COLUMNS} FROM c`,
      [dto.kind, dto.subject, dto.description, dto.contact ?? null, at],
    );
    return row;
  }

  async find(id: string, manager: EntityManager = this.db.manager): Promise<CorrectionRequest | null> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1`, [id]);
    return row ?? null;
  }

  /** Locks an open request for its answer; null when there is none or it was answered. */
  async lockOpen(manager: EntityManager, id: string): Promise<CorrectionRequest | null> {
    const [row] = await manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1 AND c.status = 'open' FOR UPDATE`,
      [id],
    );
    return row ?? null;
  }

  async answer(
    manager: EntityManager,
    id: string,
    outcome: Exclude<CorrectionStatus, 'open'>,
    answer: string,
    handledBy: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE correction_requests SET status = $2, answer = $3, handled_by = $4, handled_at = $5 WHERE id = $1`,
      [id, outcome, answer, handledBy, at],
    );
  }

  /** A page of requests, of one status or all, the oldest open first, then the newest. */
  async list(status: CorrectionStatus | null, page: number, pageSize: number): Promise<Page<CorrectionRequest>> {
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM correction_requests WHERE $1::text IS NULL OR status = $1`,
      [status],
    );
    const items = await this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM}
        WHERE $1::text IS NULL OR c.status = $1
        ORDER BY (c.status = 'open') DESC,
                 CASE WHEN c.status = 'open' THEN c.created_at END ASC,
                 c.created_at DESC, c.id DESC
        LIMIT $2 OFFSET $3`,
      [status, pageSize, (page - 1) * pageSize],
    );
    return { items, total: n, page, pageSize };
  }

  async openCount(): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM correction_requests WHERE status = 'open'`);
    return n;
  }
}

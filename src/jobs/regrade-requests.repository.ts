import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** A pending request as a regrading saw it: its enterprise and the time that identifies its version. */
export interface SeenRequest {
  id: string;
  at: string;
}

/** The regradings asked and not yet answered (`regrade_requests`), one row per enterprise. */
@Injectable()
export class RegradeRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** In the asking change's transaction; a later request for a pending enterprise moves its time. */
  async note(manager: EntityManager, enterpriseIds: string[]): Promise<void> {
    await manager.query(
      `INSERT INTO regrade_requests (enterprise_id) SELECT unnest($1::bigint[])
       ON CONFLICT (enterprise_id) DO UPDATE SET requested_at = EXCLUDED.requested_at, queued_at = NULL`,
      [enterpriseIds],
    );
  }

  /** The pending requests of `enterpriseIds`. */
  pending(enterpriseIds: string[]): Promise<SeenRequest[]> {
    return this.db.query(
      `SELECT enterprise_id::text AS id, requested_at::text AS at FROM regrade_requests WHERE enterprise_id = ANY($1::bigint[])`,
      [enterpriseIds],
    );
  }

  /** Removes the requests `seen` names, each only in the version seen (not one asked again since). */
  async answered(seen: SeenRequest[]): Promise<void> {
    await this.db.query(
      `DELETE FROM regrade_requests r USING unnest($1::bigint[], $2::timestamptz[]) AS s(id, at)
        WHERE r.enterprise_id = s.id AND r.requested_at = s.at`,
      [seen.map((r) => r.id), seen.map((r) => r.at)],
    );
  }

  /** Enterprise ids of up to `limit` requests neither asked nor queued again for `minAgeSeconds`, longest waiting first. */
  async unanswered(minAgeSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT enterprise_id::text AS id FROM regrade_requests
        WHERE coalesce(queued_at, requested_at) <= now() - make_interval(secs => $1)
        ORDER BY coalesce(queued_at, requested_at) LIMIT $2`,
      [minAgeSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  async markQueued(enterpriseIds: string[]): Promise<void> {
    await this.db.query(`UPDATE regrade_requests SET queued_at = now() WHERE enterprise_id = ANY($1::bigint[])`, [
      enterpriseIds,
    ]);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** Usernames for modules that record who did something by user id (who proposed a listing, …). */
@Injectable()
export class UserNames {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The username of each of these users that exists, by id. */
  async byIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; username: string }[] = await manager.query(
      `SELECT id::text, username FROM users WHERE id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.username]));
  }
}

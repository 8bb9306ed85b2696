import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** What other modules show of an enterprise they refer to by its internal id. */
export interface EnterpriseName {
  uscc: string;
  name: string;
}

/**
 * The register's names and codes for modules that keep enterprise ids (the blacklist, …): a page
 * of their rows asks once for all its enterprises, and a filter by credit code asks for the id.
 */
@Injectable()
export class EnterpriseNames {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Code and name of each of these enterprises that exists, by id. */
  async byIds(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, EnterpriseName>> {
    if (ids.length === 0) return new Map();
    const rows: ({ id: string } & EnterpriseName)[] = await manager.query(
      `SELECT id::text, uscc, name FROM enterprises WHERE id = ANY($1::bigint[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, { uscc: r.uscc, name: r.name }]));
  }

  /** The id of the enterprise with this (normalised) credit code; null when none is registered. */
  async idOf(uscc: string, manager: EntityManager = this.db.manager): Promise<string | null> {
    const [row]: { id: string }[] = await manager.query(`SELECT id::text FROM enterprises WHERE uscc = $1`, [uscc]);
    return row?.id ?? null;
  }
}

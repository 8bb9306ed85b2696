import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The home page's 最新移出: the newest removals read backwards along `removed_at`, as the newest
 * publications are read along `ix_blacklist_entries_public`, instead of sorting every removed
 * entry on each visit.
 */
export class LatestRemovals1765710000000 implements MigrationInterface {
  name = 'LatestRemovals1765710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_blacklist_entries_removed ON blacklist_entries (removed_at, id) WHERE status = 'removed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_blacklist_entries_removed`);
  }
}

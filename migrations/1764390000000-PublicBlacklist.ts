import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public blacklist and its open data, cheap at any size of the outbox: the published entries
 * in publication order (the list, its pages and the keyset reads that stream the CSV and JSON
 * files), and the blacklist's own events among the outbox's many grade changes (the state
 * behind the files' ETag and the Atom feed's newest hundred). Without the second, finding the
 * newest blacklist event walks back over every `classification.changed` written since.
 */
export class PublicBlacklist1764390000000 implements MigrationInterface {
  name = 'PublicBlacklist1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_blacklist_entries_public ON blacklist_entries (published_at, id) WHERE status = 'published'`,
    );
    await q.query(
      `CREATE INDEX ix_change_events_blacklist ON change_events (seq)
        WHERE type IN ('blacklist.published', 'blacklist.removed')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_change_events_blacklist`);
    await q.query(`DROP INDEX ix_blacklist_entries_public`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When each regrade request's job was last queued, so that the workers' periodic check queues
 * again only the requests left unqueued for a while, not those still waiting their turn in a
 * backlog (which it queued again, as other jobs, every half minute).
 */
export class RegradeQueuedAt1764465000000 implements MigrationInterface {
  name = 'RegradeQueuedAt1764465000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE regrade_requests ADD COLUMN queued_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE regrade_requests DROP COLUMN queued_at`);
  }
}

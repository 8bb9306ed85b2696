import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the console's to-do counts on every page (src/web/console/todo.service.ts): objections
 * awaiting a decision (as repair applications already have uq_blacklist_repair_pending), and the
 * imports that failed or rejected rows, a small part of all imports, by when they finished.
 */
export class ConsoleTodo1765512000000 implements MigrationInterface {
  name = 'ConsoleTodo1765512000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_blacklist_objections_pending ON blacklist_objections (entry_id) WHERE outcome IS NULL`,
    );
    await q.query(
      `CREATE INDEX ix_imports_attention ON imports (finished_at)
        WHERE status IN ('failed', 'rejected') OR rejected_rows > 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_imports_attention`);
    await q.query(`DROP INDEX ix_blacklist_objections_pending`);
  }
}

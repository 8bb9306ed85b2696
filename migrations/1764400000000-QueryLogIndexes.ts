import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The query log is written at the rate of status answers and read only by enterprise
 * (`GET /enterprises/{uscc}/queries`, on `ix_credit_queries_uscc`). Its index by institution was
 * never read; on a table that grows by a row per answer it only cost every INSERT a third index.
 */
export class QueryLogIndexes1764400000000 implements MigrationInterface {
  name = 'QueryLogIndexes1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ix_credit_queries_institution`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX ix_credit_queries_institution ON credit_queries (institution_id, asked_at)`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a recompute reads and compares, made cheap at scale: the records in force as one view;
 * the enterprise index widened to cover what the classifier reads of a record, so a key range of
 * enterprises is read from the index in order (records arrive over time, so one enterprise's
 * rows lie on as many heap pages as it has records); and, beside each current
 * classification, a digest (a recompute compares one string instead of re-reading its factors),
 * the mark of the facts it was computed from and the date it must be looked at again, so a run
 * can skip the enterprises whose grade cannot have changed.
 */
export class ClassificationFacts1764325000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW credit_records_in_force AS
      SELECT r.* FROM credit_records r
       WHERE r.correction IS DISTINCT FROM 'withdraw'
         AND NOT EXISTS (SELECT 1 FROM credit_records n WHERE n.supersedes_id = r.id)`);
    await q.query(`DROP INDEX ix_credit_records_enterprise`);
    await q.query(`
      CREATE INDEX ix_credit_records_enterprise ON credit_records (enterprise_id, occurred_on DESC)
        INCLUDE (id, type, severity, correction)`);
    await q.query(
      `ALTER TABLE classifications ADD COLUMN digest text, ADD COLUMN facts_mark text, ADD COLUMN recheck_on date`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE classifications DROP COLUMN digest, DROP COLUMN facts_mark, DROP COLUMN recheck_on`);
    await q.query(`DROP INDEX ix_credit_records_enterprise`);
    await q.query(`CREATE INDEX ix_credit_records_enterprise ON credit_records (enterprise_id, occurred_on DESC)`);
    await q.query(`DROP VIEW credit_records_in_force`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch screening becomes a worker's job that a crash, a restart or a lost Redis does not end:
 * the accepted codes are kept with the screening from the moment the upload is answered, and each
 * chunk's results as it is screened, so that a job taken again (or queued again from the database)
 * goes on from the first chunk not recorded. Finished screenings are deleted after
 * SCREENING_RETENTION_DAYS, found by when they finished.
 */
export class DurableScreenings1765615000000 implements MigrationInterface {
  name = 'DurableScreenings1765615000000';

  async up(q: QueryRunner): Promise<void> {
    // The codes of the file as [{row, input}], until the screening has ended.
    await q.query(`ALTER TABLE credit_screenings ADD COLUMN inputs jsonb`);
    // A screening running when this runs ran in a web process, with nothing to take it up again.
    await q.query(`UPDATE credit_screenings SET status = 'failed', finished_at = now() WHERE status = 'running'`);
    await q.query(
      `ALTER TABLE credit_screenings ADD CONSTRAINT ck_credit_screenings_inputs CHECK ((status = 'running') = (inputs IS NOT NULL))`,
    );
    // The screened rows of chunk `chunk` (SCREENING_CHUNK codes from chunk * SCREENING_CHUNK), while the
    // screening runs; gathered into credit_screenings.rows, and deleted, when it completes.
    await q.query(`
      CREATE TABLE credit_screening_chunks (
        screening_id  uuid NOT NULL REFERENCES credit_screenings (id) ON DELETE CASCADE,
        chunk         integer NOT NULL CHECK (chunk >= 0),
        rows          jsonb NOT NULL,
        PRIMARY KEY (screening_id, chunk)
      )`);
    await q.query(
      `CREATE INDEX ix_credit_screenings_finished ON credit_screenings (finished_at) WHERE finished_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ix_credit_screenings_finished`);
    await q.query(`DROP TABLE credit_screening_chunks`);
    await q.query(`ALTER TABLE credit_screenings DROP CONSTRAINT ck_credit_screenings_inputs`);
    await q.query(`ALTER TABLE credit_screenings DROP COLUMN inputs`);
  }
}

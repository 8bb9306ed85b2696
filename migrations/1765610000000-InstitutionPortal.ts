import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The institution portal: its query log (查询记录) reads an institution's own rows, newest first,
 * so the log gets its index by institution back (dropped in QueryLogIndexes when nothing read it);
 * and a batch screening's results are kept for the institution to download (批量筛查).
 */
export class InstitutionPortal1765610000000 implements MigrationInterface {
  name = 'InstitutionPortal1765610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX ix_credit_queries_institution ON credit_queries (institution_id, asked_at DESC, id DESC)`,
    );
    // One row per screened file: how far the screening has got (`screened` of `total` codes), then
    // the counts the result page shows and a row per code of the file (row number, code as
    // written, outcome) for the downloads: up to 10 000 of them, a couple of megabytes of JSON,
    // written once and read whole. The query log holds the lookups.
    await q.query(`
      CREATE TABLE credit_screenings (
        id              uuid PRIMARY KEY,
        institution_id  uuid NOT NULL REFERENCES institutions (id),
        user_id         uuid NOT NULL REFERENCES users (id),
        purpose         text NOT NULL CHECK (purpose IN ('loan_application', 'loan_review', 'tax_assessment',
                          'tax_incentive', 'procurement', 'other')),
        file_name       text NOT NULL,
        screened_at     timestamptz NOT NULL,
        status          text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
        total           integer NOT NULL CHECK (total BETWEEN 1 AND 10000),
        screened        integer NOT NULL DEFAULT 0 CHECK (screened BETWEEN 0 AND total),
        finished_at     timestamptz,
        counts          jsonb,
        rows            jsonb,
        CHECK ((status = 'completed') = (counts IS NOT NULL AND rows IS NOT NULL)),
        CHECK ((status = 'running') = (finished_at IS NULL))
      )`);
    await q.query(
      `CREATE INDEX ix_credit_screenings_institution ON credit_screenings (institution_id, screened_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE credit_screenings`);
    await q.query(`DROP INDEX ix_credit_queries_institution`);
  }
}

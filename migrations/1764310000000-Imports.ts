import { MigrationInterface, QueryRunner } from 'typeorm';

/** Bulk imports of records or enterprises: the uploaded file's job, its progress and its bad rows. */
export class Imports1764310000000 implements MigrationInterface {
  name = 'Imports1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE imports (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind            text NOT NULL CHECK (kind IN ('records', 'enterprises')),
        mode            text NOT NULL CHECK (mode IN ('partial', 'all-or-nothing')),
        status          text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'completed', 'rejected', 'failed')),
        file_name       text NOT NULL,
        file_size       bigint NOT NULL,
        file_sha256     char(64) NOT NULL,
        department_code varchar(16) REFERENCES departments (code),
        -- the uploader's district when they act for one district only; every row must be in it
        jurisdiction    varchar(6) REFERENCES districts (code),
        uploaded_by     uuid NOT NULL REFERENCES users (id),
        total_rows      integer,
        processed_rows  integer NOT NULL DEFAULT 0,
        imported_rows   integer NOT NULL DEFAULT 0,
        skipped_rows    integer NOT NULL DEFAULT 0,
        rejected_rows   integer NOT NULL DEFAULT 0,
        failure         text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        started_at      timestamptz,
        finished_at     timestamptz
      )`);
    await q.query(`CREATE INDEX ix_imports_unfinished ON imports (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`
      CREATE TABLE import_errors (
        import_id  uuid NOT NULL REFERENCES imports (id),
        line       integer NOT NULL,
        field      text,
        message    text NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_import_errors_import ON import_errors (import_id, line)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_errors, imports`);
  }
}

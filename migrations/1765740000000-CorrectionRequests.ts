import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * 信息纠错: a member of the public reports an error in what the site publishes (an enterprise's
 * facts, a blacklist entry, a record, anything else); staff answer it. The contact is optional
 * and only ever shown to staff. `handled_by` is the name of the staff member who answered (the
 * audit entry holds their id).
 */
export class CorrectionRequests1765740000000 implements MigrationInterface {
  name = 'CorrectionRequests1765740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE correction_requests (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('enterprise', 'blacklist', 'record', 'other')),
        subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
        description text NOT NULL CHECK (char_length(description) BETWEEN 10 AND 2000),
        contact text CHECK (char_length(contact) <= 100),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        answer text CHECK (char_length(answer) <= 1000),
        handled_by text CHECK (char_length(handled_by) <= 64),
        handled_at timestamptz,
        created_at timestamptz NOT NULL,
        CHECK ((status = 'open') = (handled_at IS NULL)),
        CHECK ((status = 'open') = (answer IS NULL))
      )`);
    await q.query(`CREATE INDEX ix_correction_requests_open ON correction_requests (created_at) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE correction_requests`);
  }
}

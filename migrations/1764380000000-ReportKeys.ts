import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed credit reports: the keys that sign them (the private half sealed with AES-256-GCM; a key
 * given in REPORT_SIGNING_KEY is recorded by its public half only), at most one current at a time,
 * retired ones kept so that the reports they signed still verify; and the register of every report
 * number issued, with the digest of what was signed, so a verification can say the number is ours.
 */
export class ReportKeys1764380000000 implements MigrationInterface {
  name = 'ReportKeys1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_signing_keys (
        kid                    text PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9_-]{1,100}$'),
        public_jwk             jsonb NOT NULL CHECK (NOT public_jwk ? 'd'),
        private_key_encrypted  bytea,
        created_at             timestamptz NOT NULL DEFAULT now(),
        retired_at             timestamptz
      )`);
    // One current key: two replicas generating at once cannot both succeed.
    await q.query(
      `CREATE UNIQUE INDEX uq_report_signing_keys_current ON report_signing_keys ((true)) WHERE retired_at IS NULL`,
    );

    await q.query(`CREATE SEQUENCE report_no_seq`);
    await q.query(`
      CREATE TABLE issued_reports (
        report_no       text PRIMARY KEY,
        uscc            varchar(18) COLLATE "C" NOT NULL,
        kid             text NOT NULL REFERENCES report_signing_keys (kid),
        issued_at       timestamptz NOT NULL,
        payload_sha256  char(64) NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$')
      )`);
    await q.query(`CREATE INDEX ix_issued_reports_uscc ON issued_reports (uscc, issued_at)`);
    await q.query(`
      CREATE TRIGGER issued_reports_append_only BEFORE UPDATE OR DELETE ON issued_reports
      FOR EACH ROW EXECUTE FUNCTION refuse_change('the register of issued reports is append-only')`);
    await q.query(`
      CREATE TRIGGER issued_reports_no_truncate BEFORE TRUNCATE ON issued_reports
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change('the register of issued reports is append-only')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE issued_reports, report_signing_keys`);
    await q.query(`DROP SEQUENCE report_no_seq`);
  }
}

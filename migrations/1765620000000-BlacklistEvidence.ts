import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evidence files of objections (陈述申辩) and repair applications (信用修复申请): the bytes are kept
 * in EVIDENCE_DIR under the row's id; the row says whose filing each belongs to, the name the
 * enterprise gave it, the type read from its content, its size and SHA-256, who uploaded it and
 * when. Rows are never changed or deleted (evidence once filed stays as filed). A repair
 * application also records the 信用修复承诺书 its applicant accepted: the text's version and SHA-256.
 */
export class BlacklistEvidence1765620000000 implements MigrationInterface {
  name = 'BlacklistEvidence1765620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blacklist_evidence_files (
        id                     uuid PRIMARY KEY,
        entry_id               bigint NOT NULL REFERENCES blacklist_entries (id),
        objection_id           bigint REFERENCES blacklist_objections (id),
        repair_application_id  bigint REFERENCES blacklist_repair_applications (id),
        original_name          text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
        content_type           text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
        size_bytes             integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
        sha256                 char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        uploaded_by            text NOT NULL,
        uploaded_role          text NOT NULL CHECK (uploaded_role IN ('enterprise', 'regulator')),
        uploaded_at            timestamptz NOT NULL,
        CHECK (num_nonnulls(objection_id, repair_application_id) = 1)
      )`);
    await q.query(`CREATE INDEX ix_blacklist_evidence_entry ON blacklist_evidence_files (entry_id)`);
    await q.query(`
      CREATE TRIGGER blacklist_evidence_files_append_only BEFORE UPDATE OR DELETE ON blacklist_evidence_files
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      CREATE TRIGGER blacklist_evidence_files_no_truncate BEFORE TRUNCATE ON blacklist_evidence_files
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      ALTER TABLE blacklist_repair_applications
        ADD COLUMN commitment_version text,
        ADD COLUMN commitment_sha256 char(64),
        ADD COLUMN commitment_accepted_at timestamptz,
        ADD CONSTRAINT ck_blacklist_repair_commitment CHECK (
          num_nulls(commitment_version, commitment_sha256, commitment_accepted_at) IN (0, 3)
        )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE blacklist_repair_applications
        DROP CONSTRAINT ck_blacklist_repair_commitment,
        DROP COLUMN commitment_accepted_at,
        DROP COLUMN commitment_sha256,
        DROP COLUMN commitment_version`);
    await q.query(`DROP TABLE blacklist_evidence_files`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed checkpoints of the audit chain: its length and head hash at a moment, as a compact JWS
 * signed with the report-signing key. They are published (API, daily export manifests) so that
 * anyone holding one can tell later whether the chain up to it was truncated or rewritten, which a
 * database superuser could otherwise do unnoticed by re-chaining. Append-only, like the chain.
 */
export class AuditCheckpoints1764420000000 implements MigrationInterface {
  name = 'AuditCheckpoints1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoints (
        id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        length bigint NOT NULL CHECK (length >= 0),
        head   char(64) NOT NULL,
        at     timestamptz NOT NULL,
        kid    text NOT NULL,
        jws    text NOT NULL
      )`);
    await q.query(`CREATE INDEX ix_audit_checkpoints_at ON audit_checkpoints (at DESC, id DESC)`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints`);
  }
}

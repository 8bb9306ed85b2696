import { createHash } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** The audited tables and the key each row's entries name (as src/audited-tables.ts compares them). */
const TABLES: [table: string, key: string][] = [
  ['credit_records', 'id::text'],
  ['uscc_allowlist', 'uscc'],
  ['calendar_days', `to_char(day, 'YYYY-MM-DD')`],
  ['report_signing_keys', 'kid'],
  ['departments', 'code'],
  ['api_keys', 'id::text'],
];

/**
 * Verification now also reports audited rows that no chain entry describes (a row inserted behind
 * the application's back). Rows already there before this, that no entry describes (a migration's
 * seeded departments and calendar, the first report key, records merged by an import), are adopted
 * as they are: their keys go into `audit_adopted`, and one `audit.adopt` entry per table records the
 * digest of its sorted key list, so a key added to `audit_adopted` later is seen too.
 * Records merged by an import from now on carry its id (`credit_records.import_id`); verification
 * counts them against the import's audited outcome.
 */
export class AuditAdoption1764455000000 implements MigrationInterface {
  name = 'AuditAdoption1764455000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credit_records ADD COLUMN import_id uuid REFERENCES imports (id)`);
    await q.query(`CREATE INDEX ix_credit_records_import ON credit_records (import_id) WHERE import_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE audit_adopted (
        table_name text NOT NULL,
        key        text NOT NULL,
        PRIMARY KEY (table_name, key)
      )`);
    await q.query(`
      CREATE TRIGGER audit_adopted_append_only BEFORE UPDATE OR DELETE ON audit_adopted
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_adopted_no_truncate BEFORE TRUNCATE ON audit_adopted
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
    for (const [table, key] of TABLES) {
      // Every row present now: whether an entry describes it is verification's question, not this one's.
      const rows: { key: string }[] = await q.query(`SELECT ${key} AS key FROM ${table}`);
      const keys = rows.map((r) => r.key).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!keys.length) continue;
      await q.query(`INSERT INTO audit_adopted (table_name, key) SELECT $1, unnest($2::text[])`, [table, keys]);
      await q.query(
        `INSERT INTO audit_events (actor_type, actor_name, action, entity_type, entity_id, after_digest)
         VALUES ('system', 'migration', 'audit.adopt', 'audited-table', $1, $2)`,
        [table, createHash('sha256').update(JSON.stringify(keys)).digest('hex')],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_adopted`);
    await q.query(`ALTER TABLE credit_records DROP COLUMN import_id`);
  }
}

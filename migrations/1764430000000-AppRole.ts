import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A least-privilege role for the application, `qc_app` (NOLOGIN): it may read and write the
 * tables, but not UPDATE, DELETE or TRUNCATE the append-only ones (every table guarded by a
 * `refuse_change` trigger: audit_events, credit_records, …), and, not owning them, it cannot
 * disable their triggers or alter them. Migrations keep running as the owner (DATABASE_URL); the
 * app runs as a login role that is a member of qc_app when DATABASE_APP_URL names one (README).
 *
 * `grant_app_role()` grants from the catalogue as it is, so it is called again after every run
 * that applied migrations (src/database/prepare-database.ts): a new table gets its grants, and a
 * new append-only table loses its UPDATE, DELETE and TRUNCATE, without each migration saying so.
 */
export class AppRole1764430000000 implements MigrationInterface {
  name = 'AppRole1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION grant_app_role() RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        guarded regclass;
      BEGIN
        -- A role belongs to the whole cluster: another database's migration may have made it, or
        -- be making it now; an owner without CREATEROLE leaves the operator to make it.
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qc_app') THEN
          BEGIN
            CREATE ROLE qc_app NOLOGIN;
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
              RAISE NOTICE 'cannot create role qc_app (no CREATEROLE): create it, then migrate again';
              RETURN;
          END;
        END IF;
        GRANT USAGE ON SCHEMA public TO qc_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO qc_app;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO qc_app;
        -- Which migrations ran is the owner's to write; the app only reads it (nothing pending).
        REVOKE INSERT, UPDATE, DELETE ON migrations FROM qc_app;
        FOR guarded IN SELECT DISTINCT tgrelid::regclass FROM pg_trigger WHERE tgfoid = 'refuse_change'::regproc LOOP
          EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM qc_app', guarded);
        END LOOP;
        -- The daily exports wait until no transaction of the day is running (pg_stat_activity):
        -- without this, another session's xact_start is hidden from a role that is not its own.
        IF NOT pg_has_role('qc_app', 'pg_read_all_stats', 'MEMBER') THEN
          BEGIN
            GRANT pg_read_all_stats TO qc_app;
          EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'cannot grant pg_read_all_stats to qc_app (%): grant it as a superuser', SQLERRM;
          END;
        END IF;
      END $$`);
    await q.query(`SELECT grant_app_role()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'qc_app') THEN
          REVOKE ALL ON ALL TABLES IN SCHEMA public FROM qc_app;
          REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM qc_app;
          REVOKE USAGE ON SCHEMA public FROM qc_app;
        END IF;
      END $$`);
    await q.query(`DROP FUNCTION grant_app_role`);
  }
}

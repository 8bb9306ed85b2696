import { MigrationInterface, QueryRunner } from 'typeorm';

/** `grant_app_role()` as AppRole1764430000000 made it, plus `extra` before its end. */
const grantAppRole = (extra: string) => `
  CREATE OR REPLACE FUNCTION grant_app_role() RETURNS void
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
    ${extra}
    -- The daily exports wait until no transaction of the day is running (pg_stat_activity):
    -- without this, another session's xact_start is hidden from a role that is not its own.
    IF NOT pg_has_role('qc_app', 'pg_read_all_stats', 'MEMBER') THEN
      BEGIN
        GRANT pg_read_all_stats TO qc_app;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'cannot grant pg_read_all_stats to qc_app (%): grant it as a superuser', SQLERRM;
      END;
    END IF;
  END $$`;

/** The chain trigger as AuditChainHead1764410000000 made it; `definer` adds what runs it as its owner. */
const chainTrigger = (definer: string) => `
  CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
  LANGUAGE plpgsql ${definer} AS $$
  DECLARE
    previous char(64);
  BEGIN
    PERFORM pg_advisory_xact_lock(7330301);
    SELECT hash INTO previous FROM audit_chain_head FOR UPDATE;
    NEW.seq := nextval('audit_events_seq');
    NEW.occurred_at := clock_timestamp();
    NEW.prev_hash := coalesce(previous, repeat('0', 64));
    NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_canonical(NEW), 'UTF8')), 'hex');
    UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash;
    RETURN NEW;
  END $$`;

/**
 * The chain's internals become the owner's alone. The chain trigger runs as its owner (SECURITY
 * DEFINER, with a fixed search_path), and so does moving pending entries into the chain
 * (`audit_chain_pending()`), so the app role needs, and now has, no right to move the chain's
 * head (audit_chain_head), to set the sequence that numbers its rows (setval), to take or change
 * entries waiting in audit_pending, nor to add to the rows adopted without an entry
 * (audit_adopted). It still INSERTs entries (every write must), with whatever actor it names.
 */
export class AuditChainDefiner1764460000000 implements MigrationInterface {
  name = 'AuditChainDefiner1764460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(chainTrigger('SECURITY DEFINER SET search_path = public, pg_temp'));
    await q.query(`
      CREATE FUNCTION audit_chain_pending() RETURNS void
      LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        WITH moved AS (DELETE FROM audit_pending RETURNING *)
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, entity_type, entity_id, before_digest,
                                  after_digest, request_id)
        SELECT actor_type, actor_id, actor_name, action, entity_type, entity_id, before_digest, after_digest, request_id
          FROM moved ORDER BY id
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION audit_events_chain(), audit_chain_pending() FROM PUBLIC`);
    await q.query(
      grantAppRole(`-- The chain's internals are the owner's (its functions run as the owner).
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_head, audit_adopted FROM qc_app;
    REVOKE UPDATE, DELETE, TRUNCATE ON audit_pending FROM qc_app;
    REVOKE USAGE, UPDATE ON SEQUENCE audit_events_seq FROM qc_app;
    GRANT EXECUTE ON FUNCTION audit_chain_pending() TO qc_app;`),
    );
    await q.query(`SELECT grant_app_role()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(grantAppRole(''));
    await q.query(`DROP FUNCTION audit_chain_pending()`);
    await q.query(chainTrigger(''));
    await q.query(`SELECT grant_app_role()`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity and accountability: department successions, institutions and their API keys,
 * the legacy credit-code allow-list, and the hash-chained audit log.
 */
export class IdentityAndAudit1764290000000 implements MigrationInterface {
  name = 'IdentityAndAudit1764290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE departments
        ADD COLUMN successor_code varchar(16) REFERENCES departments (code),
        ADD COLUMN merged_at timestamptz,
        ADD CONSTRAINT ck_departments_succession CHECK ((successor_code IS NULL) = (merged_at IS NULL)),
        ADD CONSTRAINT ck_departments_not_own_successor CHECK (successor_code <> code)`);

    await q.query(`
      CREATE TABLE institutions (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        kind            text NOT NULL CHECK (kind IN ('bank', 'tax')),
        department_code varchar(16) NOT NULL REFERENCES departments (code),
        created_at      timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_institutions_name UNIQUE (name)
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        institution_id        uuid NOT NULL REFERENCES institutions (id),
        prefix                varchar(16) NOT NULL,
        key_hash              char(64) NOT NULL,
        scopes                text[] NOT NULL CHECK (cardinality(scopes) > 0 AND
                                scopes <@ ARRAY['status:read', 'batch:read', 'feed:read', 'webhooks:manage']),
        rate_limit_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_limit_per_minute BETWEEN 1 AND 1000000),
        created_by            uuid REFERENCES users (id),
        created_at            timestamptz NOT NULL DEFAULT now(),
        revoked_at            timestamptz,
        revoked_by            uuid REFERENCES users (id),
        CONSTRAINT uq_api_keys_hash UNIQUE (key_hash),
        CONSTRAINT uq_api_keys_prefix UNIQUE (prefix)
      )`);
    await q.query(`CREATE INDEX ix_api_keys_institution ON api_keys (institution_id)`);

    await q.query(`
      ALTER TABLE users
        ADD COLUMN institution_id uuid REFERENCES institutions (id),
        ADD CONSTRAINT ck_users_role_binding CHECK (
          CASE role
            WHEN 'admin'       THEN department_code IS NULL AND institution_id IS NULL AND uscc IS NULL
            WHEN 'regulator'   THEN department_code IS NOT NULL AND institution_id IS NULL AND uscc IS NULL
            WHEN 'reviewer'    THEN department_code IS NOT NULL AND institution_id IS NULL AND uscc IS NULL
            WHEN 'institution' THEN institution_id IS NOT NULL AND uscc IS NULL
            WHEN 'enterprise'  THEN uscc IS NOT NULL AND department_code IS NULL AND institution_id IS NULL
          END)`);

    await q.query(`
      CREATE TABLE uscc_allowlist (
        uscc        varchar(18) COLLATE "C" PRIMARY KEY CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
        reason      text NOT NULL CHECK (length(reason) BETWEEN 5 AND 1000),
        created_by  uuid REFERENCES users (id),
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);

    // The audit log. Each row's hash covers the previous row's hash and the row's canonical
    // text, so editing, deleting or reordering any row breaks the chain from there on. Rows
    // are appended by a trigger that serialises writers on an advisory lock and assigns the
    // sequence number under it, so the chain order is the commit order.
    await q.query(`
      CREATE TABLE audit_events (
        seq           bigint PRIMARY KEY,
        occurred_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_type    text NOT NULL CHECK (actor_type IN ('user', 'key', 'system')),
        actor_id      text,
        actor_name    text,
        action        text NOT NULL,
        entity_type   text NOT NULL,
        entity_id     text NOT NULL,
        before_digest char(64),
        after_digest  char(64),
        request_id    text,
        prev_hash     char(64) NOT NULL,
        hash          char(64) NOT NULL
      )`);
    await q.query(`CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq`);
    await q.query(`CREATE INDEX ix_audit_events_entity ON audit_events (entity_type, entity_id)`);
    await q.query(`CREATE INDEX ix_audit_events_actor ON audit_events (actor_id)`);
    await q.query(`CREATE INDEX ix_audit_events_occurred ON audit_events (occurred_at)`);

    await q.query(`
      CREATE FUNCTION audit_canonical(e audit_events) RETURNS text
      LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_array(
          e.seq, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
          e.actor_type, e.actor_id, e.actor_name, e.action, e.entity_type, e.entity_id,
          e.before_digest, e.after_digest, e.request_id
        )::text
      $$`);
    await q.query(`
      CREATE FUNCTION audit_events_chain() RETURNS trigger
      LANGUAGE plpgsql AS $$
      DECLARE
        previous char(64);
      BEGIN
        PERFORM pg_advisory_xact_lock(7330301);
        SELECT hash INTO previous FROM audit_events ORDER BY seq DESC LIMIT 1;
        NEW.seq := nextval('audit_events_seq');
        NEW.occurred_at := clock_timestamp();
        NEW.prev_hash := coalesce(previous, repeat('0', 64));
        NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_canonical(NEW), 'UTF8')), 'hex');
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_chain()`);
    await q.query(`
      CREATE FUNCTION refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        -- For append-only tables; the trigger's argument, if any, says what to do instead.
        RAISE EXCEPTION '% is append-only: % refused%', TG_TABLE_NAME, TG_OP,
          CASE WHEN TG_NARGS > 0 THEN '; ' || TG_ARGV[0] ELSE '' END
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION refuse_change`);
    await q.query(`DROP FUNCTION audit_events_chain, audit_canonical`);
    await q.query(`DROP TABLE uscc_allowlist`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT ck_users_role_binding, DROP COLUMN institution_id`);
    await q.query(`DROP TABLE api_keys, institutions`);
    await q.query(`
      ALTER TABLE departments DROP CONSTRAINT ck_departments_not_own_successor,
        DROP CONSTRAINT ck_departments_succession, DROP COLUMN merged_at, DROP COLUMN successor_code`);
  }
}

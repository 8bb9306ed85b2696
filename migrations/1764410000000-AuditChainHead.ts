import { MigrationInterface, QueryRunner } from 'typeorm';

const ZERO = `repeat('0', 64)`;

/** The chain trigger, with how it finds the previous hash and what it does after linking. */
const chainTrigger = (previous: string, after = '') => `
  CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE
    previous char(64);
  BEGIN
    PERFORM pg_advisory_xact_lock(7330301);
    ${previous}
    NEW.seq := nextval('audit_events_seq');
    NEW.occurred_at := clock_timestamp();
    NEW.prev_hash := coalesce(previous, ${ZERO});
    NEW.hash := encode(sha256(convert_to(NEW.prev_hash || audit_canonical(NEW), 'UTF8')), 'hex');
    ${after}
    RETURN NEW;
  END $$`;

/**
 * The audit chain links each row to the newest row before it. The trigger found that row by
 * reading the table, which a REPEATABLE READ transaction (a recompute) reads as of its start:
 * a row committed meanwhile was invisible to it, so its row linked to an older one and the chain
 * broke. The chain's head now lives in a row of its own, which the trigger locks: a transaction
 * that began before the head last moved cannot lock it (PostgreSQL fails it as a serialization
 * conflict) instead of linking to a stale head.
 *
 * So that recomputes (REPEATABLE READ, two chunks at a time) do not fail each other that way,
 * they write their entries to `audit_pending` in their own transaction, and the entries are
 * chained from there, in READ COMMITTED, once it has committed (or at the next start).
 */
export class AuditChainHead1764410000000 implements MigrationInterface {
  name = 'AuditChainHead1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_chain_head (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        seq      bigint,
        hash     char(64) NOT NULL
      )`);
    await q.query(`
      INSERT INTO audit_chain_head (seq, hash)
      SELECT max(seq), coalesce((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1), ${ZERO}) FROM audit_events`);
    // An entry as the API writes it: audit_events' columns without the ones the chain sets.
    await q.query(`CREATE TABLE audit_pending (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, LIKE audit_events)`);
    await q.query(
      `ALTER TABLE audit_pending DROP COLUMN seq, DROP COLUMN occurred_at, DROP COLUMN prev_hash, DROP COLUMN hash`,
    );
    await q.query(
      chainTrigger(
        'SELECT hash INTO previous FROM audit_chain_head FOR UPDATE;',
        'UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash;',
      ),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(chainTrigger('SELECT hash INTO previous FROM audit_events ORDER BY seq DESC LIMIT 1;'));
    await q.query(`DROP TABLE audit_chain_head, audit_pending`);
  }
}

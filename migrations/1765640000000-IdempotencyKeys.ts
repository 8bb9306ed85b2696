import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key on POST /api/v1/webhooks, /imports and /credit-status/batch
 * (src/idempotency): one row per caller and key, claimed (`pending`) before the work and holding
 * the first answer (`done`) for 24 hours. In PostgreSQL rather than Redis, so that a lost Redis
 * never lets a batch or an import run twice. Expired rows go a few at a time on each new claim.
 * `body` is the answer sealed with AES-256-GCM (it may hold a secret shown once).
 */
export class IdempotencyKeys1765640000000 implements MigrationInterface {
  name = 'IdempotencyKeys1765640000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        caller text NOT NULL,
        key text NOT NULL,
        claim_id uuid NOT NULL,
        route text NOT NULL,
        fingerprint bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        status smallint CHECK ((state = 'done') = (status IS NOT NULL)),
        headers jsonb,
        body bytea,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
        PRIMARY KEY (caller, key)
      )`);
    await q.query(`CREATE INDEX ix_idempotency_keys_expires_at ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}

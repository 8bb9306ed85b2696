import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: an institution's subscriptions to the outbox and the deliveries made for them. The
 * database holds each subscription's cursor in the outbox and every delivery still to make, so
 * losing Redis (where the dispatch jobs wait) loses nothing: the worker finds the work here again.
 */
export class Webhooks1764350000000 implements MigrationInterface {
  name = 'Webhooks1764350000000';

  async up(q: QueryRunner): Promise<void> {
    // The secret signs every request, so it is kept encrypted (AES-256-GCM: nonce, tag, ciphertext),
    // not hashed. `cursor` is the last outbox seq taken into deliveries (or passed over as not
    // wanted); a lease lets one dispatcher at a time work a subscription, whatever Redis says.
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        institution_id  uuid NOT NULL REFERENCES institutions (id),
        url             text NOT NULL CHECK (url ~ '^https?://'),
        events          text[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY['classification.changed',
                          'blacklist.published', 'blacklist.removed', 'record.retracted']),
        scope           text NOT NULL CHECK (scope IN ('all', 'watchlist')),
        secret          bytea NOT NULL,
        cursor          bigint NOT NULL CHECK (cursor >= 0),
        lease_token     uuid,
        lease_until     timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        deleted_at      timestamptz
      )`);
    await q.query(
      `CREATE INDEX ix_webhook_subscriptions_institution ON webhook_subscriptions (institution_id, created_at)`,
    );

    // One row per event to deliver to a subscription, made in seq order; the oldest pending one is
    // the head, and nothing after it goes out before it is delivered or dead. A replay makes new
    // rows for events delivered before (same event id), so a delivery is not unique per event.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id),
        event_seq        bigint NOT NULL,
        event_id         uuid NOT NULL,
        event_type       text NOT NULL,
        status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled')),
        attempts         integer NOT NULL DEFAULT 0,
        attempt_log      jsonb NOT NULL DEFAULT '[]',
        last_status_code integer,
        last_error       text,
        created_at       timestamptz NOT NULL,
        first_attempt_at timestamptz,
        next_attempt_at  timestamptz,
        finished_at      timestamptz,
        CHECK ((status = 'pending') = (finished_at IS NULL))
      )`);
    await q.query(
      `CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries (subscription_id, id) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries, webhook_subscriptions`);
  }
}

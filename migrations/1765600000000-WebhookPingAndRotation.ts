import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks as integrators expect them: a secret rotated with an overlap keeps the previous one
 * signing until `previous_secret_until` (both sealed like `secret`), and a `ping` is a delivery
 * of no outbox event (no seq), sent, retried and logged like the others.
 */
export class WebhookPingAndRotation1765600000000 implements MigrationInterface {
  name = 'WebhookPingAndRotation1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE webhook_subscriptions
        ADD COLUMN previous_secret       bytea,
        ADD COLUMN previous_secret_until timestamptz,
        ADD COLUMN secret_rotated_at     timestamptz,
        ADD CONSTRAINT ck_webhook_subscriptions_previous_secret
          CHECK ((previous_secret IS NULL) = (previous_secret_until IS NULL))`);
    await q.query(`ALTER TABLE webhook_deliveries ALTER COLUMN event_seq DROP NOT NULL`);
    await q.query(`
      ALTER TABLE webhook_deliveries ADD CONSTRAINT ck_webhook_deliveries_ping
        CHECK ((event_type = 'ping') = (event_seq IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM webhook_deliveries WHERE event_type = 'ping'`);
    await q.query(`ALTER TABLE webhook_deliveries DROP CONSTRAINT ck_webhook_deliveries_ping`);
    await q.query(`ALTER TABLE webhook_deliveries ALTER COLUMN event_seq SET NOT NULL`);
    await q.query(`
      ALTER TABLE webhook_subscriptions DROP CONSTRAINT ck_webhook_subscriptions_previous_secret,
        DROP COLUMN previous_secret, DROP COLUMN previous_secret_until, DROP COLUMN secret_rotated_at`);
  }
}

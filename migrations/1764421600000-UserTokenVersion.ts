import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each access token carries its user's token version; disabling a user or changing their
 * password bumps it, so every token issued before fails at once, and re-enabling the user does
 * not bring the old tokens back.
 */
export class UserTokenVersion1764421600000 implements MigrationInterface {
  name = 'UserTokenVersion1764421600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/** A name for an API key, given when it is issued ("贷前审查系统"), so a list of prefixes says which is which. */
export class ApiKeyLabel1765600001000 implements MigrationInterface {
  name = 'ApiKeyLabel1765600001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys ADD COLUMN label text
        CONSTRAINT ck_api_keys_label CHECK (label IS NULL OR char_length(label) BETWEEN 1 AND 100)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP COLUMN label`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signed report itself (the compact JWS) beside its number, so `GET /api/v1/public/reports/{number}`
 * and the page `/reports/{number}` read it back and verification by number re-checks it. Reports
 * issued before this migration kept only the digest of what was signed: their `report` stays null,
 * and reading one back says so (its holder can still verify the JWS they kept).
 */
export class IssuedReportText1765700000000 implements MigrationInterface {
  name = 'IssuedReportText1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE issued_reports ADD COLUMN report text CHECK (report ~ '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE issued_reports DROP COLUMN report`);
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What is kept of an issued report: its number, the key that signed it, the digest of what was signed. */
export interface IssuedReport {
  reportNo: string;
  uscc: string;
  kid: string;
  issuedAt: Date;
  payloadSha256: string;
}

/** `issued_reports` and the sequence that numbers them. */
@Injectable()
export class IssuedReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The next report's sequence number. */
  async nextSeq(): Promise<number> {
    const [{ seq }]: { seq: string }[] = await this.db.query(`SELECT nextval('report_no_seq')::text AS seq`);
    return Number(seq);
  }

  async insert(report: IssuedReport): Promise<void> {
    await this.db.query(
      `INSERT INTO issued_reports (report_no, uscc, kid, issued_at, payload_sha256) VALUES ($1, $2, $3, $4, $5)`,
      [report.reportNo, report.uscc, report.kid, report.issuedAt, report.payloadSha256],
    );
  }

  /** The key and digest the report with this number was issued with, if we issued it. */
  async find(reportNo: string): Promise<Pick<IssuedReport, 'kid' | 'payloadSha256'> | undefined> {
    const [row]: { kid: string; payload_sha256: string }[] = await this.db.query(
      `SELECT kid, payload_sha256 FROM issued_reports WHERE report_no = $1`,
      [reportNo],
    );
    return row && { kid: row.kid, payloadSha256: row.payload_sha256 };
  }
}

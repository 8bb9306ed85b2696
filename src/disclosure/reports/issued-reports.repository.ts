import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What is kept of an issued report: its number, the key that signed it, the digest of what was signed, the report. */
export interface IssuedReport {
  reportNo: string;
  uscc: string;
  kid: string;
  issuedAt: Date;
  payloadSha256: string;
  /** The compact JWS; null for a report issued before reports were kept (only its digest was). */
  report: string | null;
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
      `INSERT INTO issued_reports (report_no, uscc, kid, issued_at, payload_sha256, report) VALUES ($1, $2, $3, $4, $5, $6)`,
      [report.reportNo, report.uscc, report.kid, report.issuedAt, report.payloadSha256, report.report],
    );
  }

  /** The report with this number as it was registered, if we issued it. */
  async find(reportNo: string): Promise<IssuedReport | undefined> {
    const [row]: {
      uscc: string;
      kid: string;
      issued_at: Date;
      payload_sha256: string;
      report: string | null;
    }[] = await this.db.query(
      `SELECT uscc, kid, issued_at, payload_sha256, report FROM issued_reports WHERE report_no = $1`,
      [reportNo],
    );
    return (
      row && {
        reportNo,
        uscc: row.uscc,
        kid: row.kid,
        issuedAt: row.issued_at,
        payloadSha256: row.payload_sha256,
        report: row.report,
      }
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CompactSign, compactVerify, errors } from 'jose';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { Problem } from '../../common/problem';
import { normaliseUscc } from '../../common/uscc';
import {
  CreditReportDto,
  ReportBlacklistEntryDto,
  ReportPayloadDto,
  ReportVerificationDto,
  VerificationFailure,
} from './dto/report.dto';
import { REPORT_ALG, ReportKeysService } from './report-keys.service';
import { REPORT_NUMBER, reportNumber } from './report-number';

const REPORT_ISSUER = { id: 'quality-credit-registry', name: '温州市企业质量信用信息平台' };
/** The protected header's `typ`: says what the payload is, so a token of another kind is not taken for a report. */
const REPORT_TYP = 'credit-report+json';

class UnknownKey extends Error {
  constructor(readonly kid: string | undefined) {
    super('unknown key');
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const failed = (reason: VerificationFailure, kid?: string): ReportVerificationDto => ({
  valid: false,
  reason,
  ...(kid ? { kid } : {}),
});

/**
 * Signed credit reports: an enterprise's public snapshot (grade, published blacklist entries,
 * disclosed records in force) with a report number and issue time, signed as a compact JWS
 * (EdDSA), each number kept in `issued_reports` with the digest of what was signed. The snapshot
 * is read from the registry's, classification's, blacklist's and records' tables in one
 * statement: it is what their public views show, and nothing personal is ever selected.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly keys: ReportKeysService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async issue(usccParam: string): Promise<CreditReportDto> {
    return (await this.issueWithEnterprise(usccParam)).issued;
  }

  /** A report, and the enterprise it names as the report says it (for the page that shows it). */
  async issueWithEnterprise(
    usccParam: string,
  ): Promise<{ issued: CreditReportDto; enterprise: ReportPayloadDto['enterprise'] }> {
    const uscc = normaliseUscc(usccParam);
    const key = await this.keys.current();
    const [row] = await this.dataSource.query(
      `SELECT e.uscc, e.name, e.district_code, c.grade, c.rule_set_version,
              nextval('report_no_seq')::text AS seq,
              (SELECT coalesce(json_agg(json_build_object('id', b.id::text, 'reasonCode', b.reason_code,
                        'publishedAt', b.published_at, 'expiresAt', b.expires_at) ORDER BY b.published_at, b.id), '[]')
                 FROM blacklist_entries b WHERE b.enterprise_id = e.id AND b.status = 'published') AS blacklist,
              (SELECT coalesce(json_object_agg(r.type, r.n ORDER BY r.type), '{}')
                 FROM (SELECT type, count(*)::int AS n FROM credit_records_in_force
                        WHERE enterprise_id = e.id AND disclosed GROUP BY type) r) AS records
         FROM enterprises e LEFT JOIN classifications c ON c.enterprise_id = e.id
        WHERE e.uscc = $1`,
      [uscc],
    );
    if (!row) throw Problem.notFound('Enterprise', uscc);

    const issuedAt = this.clock.now();
    const reportNo = reportNumber(Number(row.seq), issuedAt);
    const byType = row.records as Record<string, number>;
    const payload: ReportPayloadDto = {
      reportNo,
      issuedAt: issuedAt.toISOString(),
      issuer: REPORT_ISSUER,
      enterprise: { uscc: row.uscc, name: row.name, districtCode: row.district_code },
      classification: row.grade ? { grade: row.grade, ruleSetVersion: row.rule_set_version } : null,
      blacklist: (row.blacklist as ReportBlacklistEntryDto[]).map((b) => ({
        id: b.id,
        reasonCode: b.reasonCode,
        publishedAt: new Date(b.publishedAt).toISOString(),
        expiresAt: new Date(b.expiresAt).toISOString(),
      })),
      disclosedRecords: { total: Object.values(byType).reduce((a, n) => a + n, 0), byType },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    const report = await new CompactSign(bytes)
      .setProtectedHeader({ alg: REPORT_ALG, kid: key.kid, typ: REPORT_TYP })
      .sign(key.privateKey);
    await this.dataSource.query(
      `INSERT INTO issued_reports (report_no, uscc, kid, issued_at, payload_sha256) VALUES ($1, $2, $3, $4, $5)`,
      [reportNo, uscc, key.kid, issuedAt, sha256(bytes)],
    );
    return { issued: { report, reportNo, issuedAt: payload.issuedAt, kid: key.kid }, enterprise: payload.enterprise };
  }

  /**
   * Valid when the signature is one of our keys' (current or retired) over a report whose number
   * we issued with exactly this content. Never throws for a bad report: says why it fails.
   */
  async verify(report: string): Promise<ReportVerificationDto> {
    let verified: Awaited<ReturnType<typeof compactVerify>>;
    try {
      verified = await compactVerify(
        report.trim(),
        async (header) => {
          const key = typeof header.kid === 'string' ? await this.keys.publicKey(header.kid) : null;
          if (!key) throw new UnknownKey(typeof header.kid === 'string' ? header.kid : undefined);
          return key;
        },
        { algorithms: [REPORT_ALG] },
      );
    } catch (error) {
      if (error instanceof UnknownKey) return failed('unknown-key', error.kid);
      if (error instanceof errors.JWSSignatureVerificationFailed) return failed('bad-signature');
      return failed('malformed');
    }
    const kid = verified.protectedHeader.kid!;
    if (verified.protectedHeader.typ !== REPORT_TYP) return failed('malformed', kid);
    let payload: ReportPayloadDto;
    try {
      payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(verified.payload));
    } catch {
      return failed('malformed', kid);
    }
    if (typeof payload?.reportNo !== 'string' || !REPORT_NUMBER.test(payload.reportNo)) return failed('malformed', kid);
    const [issued] = await this.dataSource.query(
      `SELECT kid, payload_sha256 FROM issued_reports WHERE report_no = $1`,
      [payload.reportNo],
    );
    if (!issued || issued.kid !== kid || issued.payload_sha256 !== sha256(verified.payload)) {
      return failed('not-issued', kid);
    }
    return { valid: true, kid, reportNo: payload.reportNo, issuedAt: payload.issuedAt, payload };
  }
}

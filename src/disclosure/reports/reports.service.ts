import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompactSign, compactVerify, errors } from 'jose';
import { createHash } from 'node:crypto';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { ClassificationRepository } from '../../classification/classification.repository';
import { Clock } from '../../common/clock';
import { readSnapshot } from '../../database/read-snapshot';
import { Problem } from '../../common/problem';
import { normaliseUscc } from '../../common/uscc';
import { RecordsRepository } from '../../records/records.repository';
import { EnterprisesRepository } from '../../registry/enterprises.repository';
import { CreditReportDto, ReportPayloadDto, ReportVerificationDto, VerificationFailure } from './dto/report.dto';
import { IssuedReportsRepository } from './issued-reports.repository';
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
 * is what the registry, classification, the blacklist and the records publish of the enterprise,
 * read in one snapshot; nothing personal goes into it.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keys: ReportKeysService,
    private readonly clock: Clock,
    private readonly issuedReports: IssuedReportsRepository,
    private readonly profiles: EnterprisesRepository,
    private readonly grades: ClassificationRepository,
    private readonly listings: BlacklistReads,
    private readonly records: RecordsRepository,
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
    // One snapshot: the grade, the listings and the records as they stood together, never a
    // grade computed after a removal beside the listing it removed.
    const { enterprise, grade, listings, byType } = await readSnapshot(this.db, async (manager) => {
      const enterprise = await this.profiles.profileByUscc(uscc, manager);
      if (!enterprise) throw Problem.notFound('Enterprise', uscc);
      return {
        enterprise,
        grade: await this.grades.gradeNow(enterprise.id, manager),
        listings: await this.listings.published([enterprise.id], manager),
        byType: await this.records.disclosedCountsByType(enterprise.id, manager),
      };
    });
    const seq = await this.issuedReports.nextSeq();

    const issuedAt = this.clock.now();
    const reportNo = reportNumber(seq, issuedAt);
    const payload: ReportPayloadDto = {
      reportNo,
      issuedAt: issuedAt.toISOString(),
      issuer: REPORT_ISSUER,
      enterprise: { uscc: enterprise.uscc, name: enterprise.name, districtCode: enterprise.districtCode },
      classification: grade ? { grade: grade.grade, ruleSetVersion: grade.ruleSetVersion } : null,
      blacklist: listings.map((b) => ({
        id: b.id,
        reasonCode: b.reasonCode,
        publishedAt: b.publishedAt.toISOString(),
        expiresAt: b.expiresAt.toISOString(),
      })),
      disclosedRecords: { total: Object.values(byType).reduce((a, n) => a + n, 0), byType },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    const report = await new CompactSign(bytes)
      .setProtectedHeader({ alg: REPORT_ALG, kid: key.kid, typ: REPORT_TYP })
      .sign(key.privateKey);
    await this.issuedReports.insert({ reportNo, uscc, kid: key.kid, issuedAt, payloadSha256: sha256(bytes) });
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
    const issued = await this.issuedReports.find(payload.reportNo);
    if (!issued || issued.kid !== kid || issued.payloadSha256 !== sha256(verified.payload)) {
      return failed('not-issued', kid);
    }
    return { valid: true, kid, reportNo: payload.reportNo, issuedAt: payload.issuedAt, payload };
  }
}

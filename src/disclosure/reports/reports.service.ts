import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompactSign, compactVerify, errors } from 'jose';
import { createHash } from 'node:crypto';
import { BlacklistReads } from '../../blacklist/blacklist-reads.repository';
import { ClassificationRepository } from '../../classification/classification.repository';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { DepartmentsRepository } from '../../identity/departments.repository';
import { readSnapshot } from '../../database/read-snapshot';
import { Problem } from '../../common/problem';
import { lookupUscc } from '../../common/uscc';
import { RecordsRepository } from '../../records/records.repository';
import { EnterprisesRepository } from '../../registry/enterprises.repository';
import {
  CreditReportDto,
  IssuedReportDto,
  REPORT_RECORDS_LISTED,
  ReportPayloadDto,
  ReportVerificationDto,
  VerificationFailure,
} from './dto/report.dto';
import { IssuedReportsRepository } from './issued-reports.repository';
import { REPORT_ALG, ReportKeysService } from './report-keys.service';
import { REPORT_NUMBER, reportNumber } from './report-number';

const ISSUER_ID = 'quality-credit-registry';
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
/** What a compact JWS says, unverified (for a report read back from our own register). */
export const payloadOf = (report: string): ReportPayloadDto =>
  JSON.parse(Buffer.from(report.split('.')[1], 'base64url').toString('utf8')) as ReportPayloadDto;

/** The answer to the old `GET …/enterprises/{uscc}/report`, which issued a report on every GET and HEAD. */
export const reportIssueMoved = (uscc: string) =>
  new Problem(HttpStatus.GONE, 'report-issue-moved', 'Gone', {
    en: `Reports are no longer issued by GET: POST /api/v1/public/enterprises/${uscc}/reports issues one, GET /api/v1/public/reports/{number} reads it back`,
    zh: `信用报告不再通过 GET 签发：请以 POST /api/v1/public/enterprises/${uscc}/reports 签发，以 GET /api/v1/public/reports/{编号} 读取`,
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
    private readonly departments: DepartmentsRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * A report we issued, read back by its number: 404 for a number we never issued (or not a
   * number at all), and for one issued before reports were kept (only its digest was).
   */
  async find(number: string): Promise<IssuedReportDto> {
    const issued = REPORT_NUMBER.test(number) ? await this.issuedReports.find(number) : undefined;
    if (!issued) throw Problem.notFound('Report', number);
    if (!issued.report) {
      throw new Problem(HttpStatus.NOT_FOUND, 'report-not-kept', 'Not found', {
        en: `Report ${number} was issued on ${issued.issuedAt.toISOString()}, before this site kept the reports it issues: only its digest was kept, so it can be checked by verifying the report itself (the JWS its holder has)`,
        zh: `信用报告 ${number} 签发于本站保存所签发报告之前，本站只保存了其摘要：请提交报告持有人手中的签名报告（JWS）核验`,
      });
    }
    return {
      number,
      report: issued.report,
      issuedAt: issued.issuedAt.toISOString(),
      kid: issued.kid,
      payload: payloadOf(issued.report),
    };
  }

  /** Verifies the report we keep under this number (as `verify` would the JWS itself). */
  async verifyNumber(number: string): Promise<ReportVerificationDto> {
    const issued = await this.issuedReports.find(number);
    if (!issued) return failed('not-issued');
    if (!issued.report) {
      return { ...failed('not-kept', issued.kid), number, reportNo: number, issuedAt: issued.issuedAt.toISOString() };
    }
    return this.verify(issued.report);
  }

  /** Issues a report of the enterprise's public record under a new number, kept with its digest. */
  async issue(usccParam: string): Promise<CreditReportDto> {
    const uscc = lookupUscc(usccParam);
    const key = await this.keys.current();
    // One snapshot: the grade, the listings and the records as they stood together, never a
    // grade computed after a removal beside the listing it removed.
    const { enterprise, grade, listings, byType, records } = await readSnapshot(this.db, async (manager) => {
      const enterprise = await this.profiles.profileByUscc(uscc, manager);
      if (!enterprise) throw Problem.notFound('Enterprise', uscc);
      return {
        enterprise,
        grade: await this.grades.gradeNow(enterprise.id, manager),
        listings: await this.listings.published([enterprise.id], manager),
        byType: await this.records.disclosedCountsByType(enterprise.id, manager),
        records: await this.records.disclosedInForce(enterprise.id, { manager, limit: REPORT_RECORDS_LISTED }),
      };
    });
    const [seq, reasons, departments] = await Promise.all([
      this.issuedReports.nextSeq(),
      this.listings.reasons(),
      this.departments.namesByCodes([...listings, ...records].map((x) => x.departmentCode)),
    ]);
    const reasonName = new Map(reasons.map((r) => [r.code as string, { zh: r.nameZh, en: r.nameEn }]));
    const departmentName = (code: string) => departments.get(code) ?? { zh: code, en: code };

    const issuedAt = this.clock.now();
    const reportNo = reportNumber(seq, issuedAt);
    const payload: ReportPayloadDto = {
      reportNo,
      issuedAt: issuedAt.toISOString(),
      issuer: { id: ISSUER_ID, name: this.config.site.name.zh },
      enterprise: {
        uscc: enterprise.uscc,
        name: enterprise.name,
        districtCode: enterprise.districtCode,
        district: enterprise.district,
      },
      classification: grade
        ? { grade: grade.grade, ruleSetVersion: grade.ruleSetVersion, gradedAt: grade.computedAt.toISOString() }
        : null,
      blacklist: listings.map((b) => ({
        id: b.id,
        reasonCode: b.reasonCode,
        reason: reasonName.get(b.reasonCode) ?? { zh: b.reasonCode, en: b.reasonCode },
        departmentCode: b.departmentCode,
        department: departmentName(b.departmentCode),
        publishedAt: b.publishedAt.toISOString(),
        expiresAt: b.expiresAt.toISOString(),
      })),
      disclosedRecords: {
        total: Object.values(byType).reduce((a, n) => a + n, 0),
        byType,
        items: records.map((r) => ({
          type: r.type,
          severity: r.severity,
          occurredOn: r.occurredOn,
          departmentCode: r.departmentCode,
          department: departmentName(r.departmentCode),
          documentNo: r.documentNo,
          summary: r.summary,
        })),
      },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    const report = await new CompactSign(bytes)
      .setProtectedHeader({ alg: REPORT_ALG, kid: key.kid, typ: REPORT_TYP })
      .sign(key.privateKey);
    await this.issuedReports.insert({ reportNo, uscc, kid: key.kid, issuedAt, payloadSha256: sha256(bytes), report });
    return { number: reportNo, report, reportNo, issuedAt: payload.issuedAt, kid: key.kid };
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
    return {
      valid: true,
      kid,
      number: payload.reportNo,
      reportNo: payload.reportNo,
      issuedAt: payload.issuedAt,
      payload,
    };
  }
}

import { Module } from '@nestjs/common';
import { BlacklistModule } from '../../blacklist/blacklist.module';
import { ClassificationModule } from '../../classification/classification.module';
import { IdentityModule } from '../../identity/identity.module';
import { RecordsModule } from '../../records/records.module';
import { RegistryModule } from '../../registry/registry.module';
import { IssuedReportsRepository } from './issued-reports.repository';
import { ReportIssueLimit } from './report-issue-limit';
import { JwksController, ReportKeysController, ReportsController } from './reports.controller';
import { ReportKeysRepository } from './report-keys.repository';
import { ReportKeysService } from './report-keys.service';
import { ReportsService } from './reports.service';

export const reportsControllers = [ReportsController, JwksController, ReportKeysController];

/** Signed credit reports (JWS, EdDSA), their keys and their verification. */
@Module({
  imports: [RegistryModule, ClassificationModule, BlacklistModule, RecordsModule, IdentityModule],
  providers: [ReportKeysRepository, ReportKeysService, IssuedReportsRepository, ReportsService, ReportIssueLimit],
  exports: [ReportsService, ReportKeysService, ReportIssueLimit],
})
export class ReportsModule {}

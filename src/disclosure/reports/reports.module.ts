import { Module } from '@nestjs/common';
import { JwksController, ReportKeysController, ReportsController } from './reports.controller';
import { ReportKeysService } from './report-keys.service';
import { ReportsService } from './reports.service';

export const reportsControllers = [ReportsController, JwksController, ReportKeysController];

/** Signed credit reports (JWS, EdDSA), their keys and their verification. */
@Module({
  providers: [ReportKeysService, ReportsService],
  exports: [ReportsService, ReportKeysService],
})
export class ReportsModule {}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { AUDITED_TABLES, AuditedTable } from './audited-table';

export const auditControllers = [AuditController];

/** The hash-chained audit log; global because every writing module records into it. */
@Global()
@Module({})
export class AuditModule {
  /** `tables`: the rows verification compares with the chain (their modules sit above this one). */
  static forRoot(tables: AuditedTable[]): DynamicModule {
    return {
      module: AuditModule,
      providers: [AuditService, { provide: AUDITED_TABLES, useValue: tables }],
      exports: [AuditService],
    };
  }
}

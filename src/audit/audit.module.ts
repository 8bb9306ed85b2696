import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { AUDITED_TABLES, AuditedTable } from './audited-table';
import { CHECKPOINT_KEYS, CheckpointKeys } from './checkpoint';

export const auditControllers = [AuditController];

/** The hash-chained audit log; global because every writing module records into it. */
@Global()
@Module({})
export class AuditModule {
  /**
   * `tables`: the rows verification compares with the chain; `keys`: the public keys checkpoints are
   * signed with (their modules sit above this one).
   */
  static forRoot(tables: AuditedTable[], keys: CheckpointKeys): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        AuditService,
        AuditRepository,
        { provide: AUDITED_TABLES, useValue: tables },
        { provide: CHECKPOINT_KEYS, useValue: keys },
      ],
      exports: [AuditService],
    };
  }
}

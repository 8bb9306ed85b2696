import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module';
import { auditedTables, checkpointKeys } from '../../audited-tables';
import { BlacklistModule } from '../../blacklist/blacklist.module';
import { RegisterGradesModule } from '../../classification/register-grades.module';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { ConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { IdentityModule } from '../../identity/identity.module';
import { JobsModule } from '../../jobs/jobs.module';
import { OutboxModule } from '../../outbox/outbox.module';
import { RecordsModule } from '../../records/records.module';
import { RedisModule } from '../../redis/redis.module';
import { RegistryModule } from '../../registry/registry.module';

/**
 * The clock the seed's services read: the present, or the moment a planned move was made, so
 * the blacklist's moves are stamped and checked as of their planned time.
 */
export class SeedClock extends Clock {
  private at: Date | null = null;

  now(): Date {
    return this.at ? new Date(this.at) : new Date();
  }

  /** The planned moment of what follows; null for the present. */
  set(at: Date | null): void {
    this.at = at;
  }
}

/**
 * The modules whose services the seed writes through, without HTTP and without the worker's
 * processors: identity (users, institutions), the register (with the grades classification gives
 * its answers), records (corrections), the blacklist (its moves),
 * the outbox and the audit log they write to, and the queues their regrade requests go on.
 */
@Module({})
export class SeedModule {
  static forRoot(config: AppConfig, clock: SeedClock): DynamicModule {
    return {
      module: SeedModule,
      imports: [
        ConfigModule.forRoot(config, clock),
        DatabaseModule,
        RedisModule,
        AuditModule.forRoot(auditedTables, checkpointKeys),
        JobsModule,
        OutboxModule,
        RegistryModule,
        RegisterGradesModule,
        IdentityModule,
        RecordsModule,
        BlacklistModule,
      ],
    };
  }
}

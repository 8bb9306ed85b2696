import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Clock } from './common/clock';
import { HttpDrain } from './common/http-drain';
import { ProblemFilter } from './common/problem.filter';
import { RedisModule } from './redis/redis.module';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { AuditModule } from './audit/audit.module';
import { auditedTables, checkpointKeys } from './audited-tables';
import { BlacklistModule } from './blacklist/blacklist.module';
import { DatabaseModule } from './database/database.module';
import { DisclosureModule } from './disclosure/disclosure.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { JobsModule } from './jobs/jobs.module';
import { ClassificationModule } from './classification/classification.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ImportsModule } from './imports/imports.module';
import { RecordsModule } from './records/records.module';
import { RegistryModule } from './registry/registry.module';
import { SharingModule } from './sharing/sharing.module';
import { StatsModule } from './stats/stats.module';
import { apiControllers, pageControllers } from './routes';
import { QueuesBoardModule } from './web/console/queues-board';
import { WebModule } from './web/web.module';
import { WorkerModule } from './worker.module';

/** Every HTTP route of the api role; the feature modules hold the work behind them. */
@Module({
  imports: [
    IdempotencyModule,
    IdentityModule,
    RegistryModule,
    RecordsModule,
    ImportsModule,
    ClassificationModule,
    BlacklistModule,
    SharingModule,
    DisclosureModule,
    StatsModule,
    WebModule,
    QueuesBoardModule,
  ],
  controllers: [...apiControllers, ...pageControllers],
})
export class ApiModule {}

/**
 * The application for a role: shared infrastructure always (config, logs, database, Redis,
 * queues, health and metrics), the API for `api`, the job processors for `worker`, both for `all`.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, options.clock),
        DatabaseModule,
        RedisModule,
        AuditModule.forRoot(auditedTables, checkpointKeys),
        JobsModule,
        HealthModule,
        ...(config.runsApi ? [ApiModule] : []),
        ...(config.runsWorker ? [WorkerModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        HttpDrain,
      ],
    };
  }
}

import { DynamicModule, LoggerService, Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { AuditModule } from '../../src/audit/audit.module';
import { auditedTables, checkpointKeys } from '../../src/audited-tables';
import { RegisterGradesModule } from '../../src/classification/register-grades.module';
import { Clock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { ConfigModule } from '../../src/config/config.module';
import { DatabaseModule } from '../../src/database/database.module';
import { IdentityModule } from '../../src/identity/identity.module';
import { JobsModule } from '../../src/jobs/jobs.module';
import { RedisModule } from '../../src/redis/redis.module';
import { RegistryModule } from '../../src/registry/registry.module';
import { cloneTemplate, uniqueName } from './databases';
import { removeTestResources, runSql, testEnvironment } from './environment';

export interface ServiceContextOptions {
  /** Replaces the system clock (a TestClock moves deadlines without sleeping). */
  clock?: Clock;
  /** Environment on top of the test defaults (LISTING_PERIOD_MONTHS, …). */
  env?: NodeJS.ProcessEnv;
}

/** Nest's logger for the modules: silent unless TEST_LOG_LEVEL asks for their lines. */
const SILENT: LoggerService = { log() {}, error() {}, warn() {}, debug() {}, verbose() {} };

/**
 * One feature's real modules on a copy of the migrated template, for one service test file: the
 * infrastructure the application gives every module (configuration and clock, the database,
 * Redis and the queues, the audit chain), the register (with the grades classification gives
 * its answers) and the people, which the factories write through, and the modules under test,
 * initialised as the application initialises them, with no HTTP in front. Services are called
 * as a controller or a job would call them; the queues are there to be written to, and nothing
 * processes them.
 */
export class ServiceContext {
  private constructor(
    readonly module: TestingModule,
    readonly config: AppConfig,
    readonly databaseName: string,
  ) {}

  static async start(
    testFile: string,
    modules: (Type<unknown> | DynamicModule)[],
    options: ServiceContextOptions = {},
  ): Promise<ServiceContext> {
    const name = uniqueName(testFile);
    await cloneTemplate(name);
    const config = loadConfig(testEnvironment(name, options.env));
    const builder = Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config, options.clock),
        DatabaseModule,
        RedisModule,
        AuditModule.forRoot(auditedTables, checkpointKeys),
        JobsModule,
        RegistryModule,
        RegisterGradesModule,
        IdentityModule,
        ...modules,
      ],
    });
    if (!process.env.TEST_LOG_LEVEL) builder.setLogger(SILENT);
    const module = await builder.compile();
    await module.init();
    return new ServiceContext(module, config, name);
  }

  /** A provider of the modules (a service, a repository), as the application would inject it. */
  get<T>(type: Type<T>): T {
    return this.module.get(type, { strict: false });
  }

  /** Runs SQL on this file's database, outside the modules (for checking what was stored). */
  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return runSql<T>(this.config.DATABASE_URL, text, params);
  }

  /** Closes the modules (pools, queues), then drops this file's database and Redis keys. */
  async close(): Promise<void> {
    await this.module.close();
    await removeTestResources(this.databaseName, this.config);
  }
}

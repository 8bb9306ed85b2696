import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import { useContainer } from 'class-validator';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { applyRouteBodyLimits } from './common/body-limit';
import { Clock } from './common/clock';
import { HttpDrain } from './common/http-drain';
import { parseQueryString, refuseUndecodableQueries } from './common/query-string';
import { guardRequestInput } from './common/request-input';
import { useSecurityHeaders } from './common/security-headers';
import { createLogger, NestPinoLogger, RequestLog, requestId } from './common/logging';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';
import { MetricsService } from './health/metrics.service';
import { IdempotencyKeys } from './idempotency/idempotency';
import { moveUntaggedBullKeys } from './jobs/bull-prefix-move';
import { waitForRedis } from './jobs/wait-for-redis';
import { openApiDocument } from './openapi';
import { RegistryModule } from './registry/registry.module';
import { useViewEngine } from './web/view-engine';

export interface AppOptions {
  /** Replaces the system clock (tests move deadlines with it). */
  clock?: Clock;
  /** Where JSON log lines go (stdout by default); tests capture them. */
  logDestination?: DestinationStream;
}

/**
 * Validators such as UsccConstraint (which consults the allow-list) come from this app's
 * container. class-validator asks its container for every class it uses, its own included, on
 * every validation; Nest answers an unknown class by throwing (and capturing a stack), so each
 * class is looked up once and class-validator's own default instance used when Nest has none.
 */
export function useValidatorContainer(app: NestFastifyApplication): void {
  const registry = app.select(RegistryModule);
  const found = new Map<unknown, unknown>();
  useContainer(
    {
      get<T>(someClass: { new (...args: unknown[]): T }): T | undefined {
        if (!found.has(someClass)) {
          let instance: unknown;
          try {
            instance = registry.get(someClass, { strict: false });
          } catch {
            instance = undefined; // not ours: class-validator's default container makes it
          }
          found.set(someClass, instance);
        }
        return found.get(someClass) as T | undefined;
      },
    },
    { fallback: true },
  );
}

/** Builds the application for `config.ROLE` without listening; used by the entry points and tests. */
export async function createApp(config: AppConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const logger = createLogger(config, options.logDestination);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new RequestLog(logger),
    genReqId: requestId,
    bodyLimit: 1_048_576,
    return503OnClosing: true,
    trustProxy: config.trustedProxies,
    routerOptions: { querystringParser: parseQueryString },
  });
  applyRouteBodyLimits(adapter.getInstance());
  guardRequestInput(adapter);
  refuseUndecodableQueries(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    bufferLogs: true,
  });
  app.useLogger(new NestPinoLogger(logger));
  // Nest writes what it buffered (and stops buffering) only on listen(); an app that is never
  // listened on (the tests', through inject) would hold every later Nest log line for ever.
  app.flushLogs();
  app.get(MetricsService).instrument(adapter.getInstance());
  // Multipart bodies (CSV uploads); each route sets its own limits when it reads the parts.
  await app.register(multipart);
  // Answers of 1 KB and more in a compressible type (pages, JSON, CSV, Atom) go out brotli- or
  // gzip-compressed when the client says it accepts that; xlsx, JWS and small answers go as they are.
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });
  useSecurityHeaders(app);
  app.get(HttpDrain).install(adapter.getInstance());
  app.enableShutdownHooks();
  if (config.runsApi) {
    useValidatorContainer(app);
    app.get(IdempotencyKeys).install(adapter.getInstance());
    await useViewEngine(app, config.site);
    const document = openApiDocument(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  }
  await app.init();
  await adapter.getInstance().ready();
  return app;
}

/** Entry point of both roles: validate config, create and migrate the database, serve. */
export async function run(overrides: NodeJS.ProcessEnv = {}): Promise<NestFastifyApplication> {
  let config: AppConfig;
  try {
    config = loadConfig({ ...process.env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const applied = await prepareDatabase(config.DATABASE_URL);
  // Bull's processors cannot start without Redis: a worker started during an outage waits for it.
  if (config.runsWorker) {
    await waitForRedis(config.redis);
    await moveUntaggedBullKeys(config.redis, config.REDIS_PREFIX);
  }
  const app = await createApp(config);
  const logger = new NestLogger('Bootstrap');
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
  logger.log(`role ${config.ROLE} listening on port ${config.PORT}`);
  return app;
}

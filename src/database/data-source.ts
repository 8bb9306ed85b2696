import 'reflect-metadata';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';

/** The one set of DataSource options, shared by the app, the migration CLI and the tests. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrationsRun: false,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    // JIT off for the app's sessions: its statements are short, and a 10 000-code status lookup,
    // whose lateral joins the planner costs above jit_above_cost, spent ~27 of its ~150 ms
    // compiling (bench/BENCHMARKS.md, session 15). Other clients of the database keep their setting.
    // A connection not to be had within 10 s (the server gone quiet, or the pool exhausted) fails
    // the request with 503 and Retry-After (databaseUnavailable) rather than holding it for ever.
    extra: { max: 20, application_name: 'quality-credit', options: '-c jit=off', connectionTimeoutMillis: 10_000 },
  };
}

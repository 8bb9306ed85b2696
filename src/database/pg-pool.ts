import type { Pool, PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/*
 * The two ways below TypeORM, in one place: TypeORM has no public handle on node-postgres, and
 * two paths need one: COPY streams (pg-copy-streams works on a pg client), and named prepared
 * statements on the pool (the credit-status lookup, prepared once per connection).
 */

/** The node-postgres pool under the data source. */
export function pgPool(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/** The node-postgres client a connected query runner holds, for COPY within its transaction. */
export function pgClient(runner: QueryRunner): PoolClient {
  return (runner as unknown as { databaseConnection: PoolClient }).databaseConnection;
}

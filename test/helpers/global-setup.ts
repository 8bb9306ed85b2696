import { Client } from 'pg';
import { migrate } from '../../src/database/prepare-database';
import { TEMPLATE_DATABASE, adminDatabaseUrl, testDatabaseUrl } from './databases';

/** Builds one migrated template database; each service and e2e test file clones it (CREATE DATABASE … TEMPLATE). */
export default async function globalSetup(): Promise<void> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await client.end();
  }
  await migrate(testDatabaseUrl(TEMPLATE_DATABASE));
}

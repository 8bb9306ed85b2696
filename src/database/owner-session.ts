import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** How long the owner's session may take to connect before the run fails (and Bull retries it). */
const CONNECT_TIMEOUT_MS = 10_000;

const logger = new Logger('OwnerSession');

/**
 * Runs `work` on a session of its own as the tables' owner (DATABASE_URL, the login that
 * migrates), then closes it. For the few statements the app role may not run (it owns nothing):
 * adding, detaching and dropping the query log's partitions. Only the processes that run that
 * upkeep need the owner's URL (the workers; docs/audit.md); the app's own sessions stay qc_app's.
 *
 * The client listens for 'error': a session ended by the server while idle between two statements
 * (a restart, a failover, pg_terminate_backend) would otherwise be an uncaught exception that
 * ends the worker. With the listener the next statement fails instead, and so does the run.
 */
export async function withOwnerSession<T>(databaseUrl: string, work: (owner: Client) => Promise<T>): Promise<T> {
  const owner = new Client({
    connectionString: databaseUrl,
    application_name: 'quality-credit owner',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  owner.on('error', (error: Error) => logger.warn(`the owner's session failed: ${error.message}`));
  await owner.connect();
  try {
    return await work(owner);
  } finally {
    await owner.end().catch(() => undefined);
  }
}

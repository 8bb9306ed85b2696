import { Client } from 'pg';

/**
 * Runs `work` on a session of its own as the tables' owner (DATABASE_URL, the login that
 * migrates), then closes it. For the few statements the app role may not run (it owns nothing):
 * adding, detaching and dropping the query log's partitions. Every process already holds the
 * owner's URL (it migrates at start), as the migrations do; the app's own sessions stay qc_app's.
 */
export async function withOwnerSession<T>(databaseUrl: string, work: (owner: Client) => Promise<T>): Promise<T> {
  const owner = new Client({ connectionString: databaseUrl, application_name: 'quality-credit owner' });
  await owner.connect();
  try {
    return await work(owner);
  } finally {
    await owner.end();
  }
}

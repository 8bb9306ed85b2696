import type { DataSource } from 'typeorm';

/**
 * Takes a session-level advisory lock on a connection of its own, waiting for whoever holds it;
 * the returned function releases it and gives the connection back. For a process-long critical
 * section (two demo seeds of one database queue on it), where a transaction-level lock would not
 * outlive the transactions inside.
 */
export async function holdSessionLock(dataSource: DataSource, key: number): Promise<() => Promise<void>> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [key]);
  } catch (error) {
    await runner.release();
    throw error;
  }
  return async () => {
    try {
      await runner.query('SELECT pg_advisory_unlock($1)', [key]);
    } finally {
      await runner.release();
    }
  };
}

import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in one read-only REPEATABLE READ transaction: every read it makes through the
 * manager sees the same snapshot. For a document put together from several modules' reads that
 * must show one state of the database (a signed credit report, a dry run's range of enterprises),
 * where each read alone would see
 * whatever had committed by its own moment.
 */
export function readSnapshot<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction('REPEATABLE READ', async (manager) => {
    await manager.query('SET TRANSACTION READ ONLY');
    return work(manager);
  });
}

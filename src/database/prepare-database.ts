import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { holdSessionLock } from './session-lock';

/** Any fixed number: every replica that starts at once queues on this lock to migrate. */
const MIGRATION_LOCK = 7_330_300;

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Creates the database named in `databaseUrl` when it is missing (connecting to `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseName(databaseUrl);
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const client = new Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (error) {
      // Another replica created it between our check and our CREATE.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Applies pending migrations under an advisory lock; returns the names applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions(databaseUrl), extra: { max: 2 } });
  await dataSource.initialize();
  try {
    const release = await holdSessionLock(dataSource, MIGRATION_LOCK);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      // New tables get the app role's grants; new append-only ones lose UPDATE, DELETE, TRUNCATE.
      if (applied.length) await dataSource.query('SELECT grant_app_role()');
      return applied.map((m) => m.name);
    } finally {
      await release();
    }
  } finally {
    await dataSource.destroy();
  }
}

export async function prepareDatabase(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  return migrate(databaseUrl);
}

import Redis from 'ioredis';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig } from '../../src/config/app-config';
import { bullPrefixOf } from '../../src/jobs/bull-connections';
import { dropDatabase, testDatabaseUrl } from './databases';

/** The first administrator every test database gets at start (ADMIN_USERNAME, ADMIN_PASSWORD). */
export const ADMIN = { username: 'admin', password: 'admin-password-for-tests' };
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The environment of an application, or of a service test's modules, on database `name`: its
 * own Redis prefix and directories, so that test files running at once never meet.
 */
export function testEnvironment(name: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: testDatabaseUrl(name),
    REDIS_URL,
    REDIS_PREFIX: name,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    UPLOAD_DIR: join(tmpdir(), name),
    EXPORT_DIR: join(tmpdir(), `${name}-exports`),
    EVIDENCE_DIR: join(tmpdir(), `${name}-evidence`),
    ...env,
  };
}

/** Drops database `name`, the directories and the Redis keys of `config`: what a test file leaves behind. */
export async function removeTestResources(name: string, config: AppConfig): Promise<void> {
  await dropDatabase(name);
  // A test may point a directory under a regular file (an unwritable disk): rm then fails with
  // ENOTDIR, and there is nothing to remove.
  const removeDir = (dir: string) => rm(dir, { recursive: true, force: true }).catch(() => undefined);
  await Promise.all([removeDir(config.UPLOAD_DIR), removeDir(config.EXPORT_DIR), removeDir(config.EVIDENCE_DIR)]);
  const redis = new Redis(REDIS_URL);
  try {
    // The app's keys, and the queues' under their hash tag (`{<prefix>:bull}:…`, see bullPrefix).
    for (const pattern of [`${config.REDIS_PREFIX}:*`, `${bullPrefixOf(config.REDIS_PREFIX)}:*`]) {
      const keys = await redis.keys(pattern); // braces are not special in a KEYS pattern
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** Runs SQL on a test database from outside the app (for setup and for checking what was stored). */
export async function runSql<T>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

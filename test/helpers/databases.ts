import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

/** The migrated template every service and e2e test file clones; TEST_TEMPLATE_DATABASE keeps two runs on one server apart. */
export const TEMPLATE_DATABASE = process.env.TEST_TEMPLATE_DATABASE ?? 'qc_test_template';
const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';

export const adminDatabaseUrl = () => `${SERVER}/postgres`;
export const testDatabaseUrl = (name: string) => `${SERVER}/${name}`;

async function admin<T>(work: (client: Client) => Promise<T>, url = adminDatabaseUrl()): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A name unique to this test file and run: `qc_e2e_<file>_<random>`. */
export function uniqueName(testFile: string): string {
  const slug = basename(testFile)
    .replace(/\.(e2e|service)-spec\.ts$/, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase();
  return `qc_e2e_${slug.slice(0, 30)}_${randomBytes(4).toString('hex')}`;
}

/** A fresh copy of the migrated template. */
export function cloneTemplate(name: string): Promise<void> {
  return admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`)).then(() => undefined);
}

export function dropDatabase(name: string): Promise<void> {
  return admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);
}

/** Drops a login role a test made (roles belong to the cluster: they outlive the test's database). */
export function dropRole(name: string): Promise<void> {
  return admin((c) => c.query(`DROP ROLE IF EXISTS "${name.replace(/"/g, '""')}"`)).then(() => undefined);
}

export function roleExists(name: string): Promise<boolean> {
  return admin(async (c) => (await c.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [name])).rowCount === 1);
}

/**
 * A copy of the migrated template as database `name` on the server of `adminUrl` (a test's
 * private one; the URL of its `postgres` database),
 * by pg_dump | pg_restore: seconds faster than running the migrations there. Owners and grants
 * are left out (the other server has only its postgres role).
 */
export async function copyTemplateTo(adminUrl: string, name: string): Promise<string> {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const target = url.toString();
  await admin((c) => c.query(`CREATE DATABASE ${name}`), adminUrl);
  await promisify(execFile)('sh', [
    '-c',
    'pg_dump -Fc "$1" | pg_restore --no-owner --no-acl --exit-on-error -d "$2"',
    'copy-template',
    `${SERVER}/${TEMPLATE_DATABASE}`,
    target,
  ]);
  return target;
}

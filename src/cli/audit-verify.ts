import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import type { JSONWebKeySet } from 'jose';
import { auditedTables, checkpointKeys } from '../audited-tables';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source';

/**
 * `npm run audit:verify`: recomputes the audit log's hash chain, compares the audited rows with it,
 * and prints the result as JSON.
 * Arguments are checkpoints kept elsewhere (compact JWS, or files with one per line), checked
 * like the stored ones. `--jwks <file>` pins the keys every checkpoint's signature is checked with (a
 * copy of /.well-known/jwks.json kept outside the database); without it they are the report keys the
 * database holds, which whoever can write it could have added to.
 * Exits 0 when all holds, 1 when not (with the first broken seq), 2 on error.
 */
export async function auditVerify(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  held: string[] = [],
  pinnedKeys?: JSONWebKeySet,
): Promise<number> {
  const dataSource = new DataSource({ ...dataSourceOptions(loadConfig(env).DATABASE_URL), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    const audit = new AuditService(dataSource, new AuditRepository(dataSource), auditedTables, checkpointKeys);
    const result = await audit.verify(held, pinnedKeys);
    print(JSON.stringify(result));
    return result.valid ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The command line: `--jwks <file>` (a JSON Web Key Set), and checkpoints as compact JWS or files
 * holding one per line.
 */
export function parseArgs(args: string[]): { held: string[]; pinnedKeys?: JSONWebKeySet } {
  const at = args.indexOf('--jwks');
  let pinnedKeys: JSONWebKeySet | undefined;
  if (at >= 0) {
    const file = args[at + 1];
    if (!file) throw new Error('--jwks needs a file (a copy of /.well-known/jwks.json)');
    pinnedKeys = JSON.parse(readFileSync(file, 'utf8')) as JSONWebKeySet;
    if (!Array.isArray(pinnedKeys?.keys)) throw new Error(`--jwks ${file}: not a JSON Web Key Set ({"keys": [...]})`);
    args = [...args.slice(0, at), ...args.slice(at + 2)];
  }
  const held = args.flatMap((arg) =>
    (JWS.test(arg) ? arg : readFileSync(arg, 'utf8')).split(/\s+/).filter((line) => line.length > 0),
  );
  return { held, pinnedKeys };
}

const JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

if (require.main === module) {
  Promise.resolve()
    .then(() => {
      const { held, pinnedKeys } = parseArgs(process.argv.slice(2));
      return auditVerify(process.env, (line) => console.log(line), held, pinnedKeys);
    })
    .then(
      (code) => (process.exitCode = code),
      (error: Error) => {
        console.error(`audit:verify failed: ${error.message}`);
        process.exitCode = 2;
      },
    );
}

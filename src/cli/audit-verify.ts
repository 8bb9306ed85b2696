import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { auditedTables } from '../audited-tables';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source';

/**
 * `npm run audit:verify`: recomputes the audit log's hash chain, compares the audited rows with it,
 * and prints the result as JSON.
 * Arguments are checkpoints kept elsewhere (compact JWS, or files with one per line), checked
 * like the stored ones. Exits 0 when all holds, 1 when not (with the first broken seq), 2 on error.
 */
export async function auditVerify(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  held: string[] = [],
): Promise<number> {
  const dataSource = new DataSource({ ...dataSourceOptions(loadConfig(env).DATABASE_URL), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    const result = await new AuditService(dataSource, auditedTables).verify(held);
    print(JSON.stringify(result));
    return result.valid ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

/** Checkpoints given on the command line: compact JWS, or files holding one per line. */
function heldCheckpoints(args: string[]): string[] {
  return args.flatMap((arg) =>
    (JWS.test(arg) ? arg : readFileSync(arg, 'utf8')).split(/\s+/).filter((line) => line.length > 0),
  );
}

const JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

if (require.main === module) {
  Promise.resolve()
    .then(() => auditVerify(process.env, (line) => console.log(line), heldCheckpoints(process.argv.slice(2))))
    .then(
      (code) => (process.exitCode = code),
      (error: Error) => {
        console.error(`audit:verify failed: ${error.message}`);
        process.exitCode = 2;
      },
    );
}

import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { auditedTables } from '../audited-tables';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source';

/**
 * `npm run audit:verify`: recomputes the audit log's hash chain, compares the audited rows with it,
 * and prints the result as JSON.
 * Exits 0 when the chain is intact, 1 when it is broken (with the first broken seq), 2 on error.
 */
export async function auditVerify(env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const dataSource = new DataSource({ ...dataSourceOptions(loadConfig(env).DATABASE_URL), extra: { max: 1 } });
  await dataSource.initialize();
  try {
    const result = await new AuditService(dataSource, auditedTables).verify();
    print(JSON.stringify(result));
    return result.valid ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  auditVerify(process.env, (line) => console.log(line)).then(
    (code) => (process.exitCode = code),
    (error: Error) => {
      console.error(`audit:verify failed: ${error.message}`);
      process.exitCode = 2;
    },
  );
}

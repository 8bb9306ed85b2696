import { loadConfig } from '../config/app-config';
import { prepareDatabase } from '../database/prepare-database';

/**
 * `npm run migration:run`: creates the database if missing and applies pending migrations as
 * DATABASE_URL (the owner), then the app role's grants — what every process does at start, as a
 * step of its own for deployments whose app processes hold only the least-privilege login.
 */
if (require.main === module) {
  prepareDatabase(loadConfig().DATABASE_URL).then(
    (applied) => console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'no pending migrations'),
    (error: Error) => {
      console.error(`migration failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}

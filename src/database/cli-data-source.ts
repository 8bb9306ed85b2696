import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';

/** For the TypeORM CLI: `npm run migration:revert`, `npm run migration:create`. */
export default new DataSource(dataSourceOptions(loadConfig().DATABASE_URL));

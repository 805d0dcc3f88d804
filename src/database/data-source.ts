import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { typeOrmOptions } from './typeorm-options.js';

/**
 * The data source for the TypeORM CLI (`npm run migration:generate -- migrations/Name`).
 * It needs a running server: set DATABASE_URL (the app itself starts the embedded one).
 */
const config = loadConfig();
if (!config.database.url) {
  throw new Error('The TypeORM CLI needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)');
}
export default new DataSource(typeOrmOptions(config.database.url));

// Jest loads this file outside its module system, so it is plain JS and uses the compiled
// helper from dist/ (`npm test` builds first).
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The tests run against real PostgreSQL: the server in DATABASE_URL when it is set (CI's
 * PostgreSQL 15, or docker-compose's), else an embedded one started here for the whole run.
 * Each suite then creates its own empty database on that server (see test-database.ts).
 */
export default async function globalSetup() {
  // `npm run test:unit` runs only the specs next to the code: no database to start.
  if (process.env.SWITCHBOARD_UNIT_ONLY === '1') return;
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const helper = join(import.meta.dirname, '../../dist/src/database/embedded-postgres.js');
  if (!existsSync(helper)) throw new Error('dist/ is missing: run `npm run build` first (npm test does it)');
  const { startEmbeddedPostgres } = await import(helper);
  // A directory of its own per run: several runs (or developers) may share the machine.
  const parent = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  chmodSync(parent, 0o755); // as root, the server runs as the postgres user, who must reach it
  const dir = join(parent, 'pg');
  const db = await startEmbeddedPostgres(dir, 0, () => undefined);
  process.env.TEST_PG_SERVER_URL = db.url;
  globalThis.__embeddedPg = { ...db, dir };
}

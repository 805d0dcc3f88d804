/**
 * `npm run migration:generate -- <Name>`: writes migrations/<timestamp>-<Name>.ts with the SQL
 * that brings a database holding every existing migration up to the entities, and appends it
 * to migrations/index.ts. Works with or without DATABASE_URL (embedded PostgreSQL otherwise);
 * uses a scratch database that it drops afterwards. Review the file before committing it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/load-config.js';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  console.error('usage: npm run migration:generate -- <PascalCaseName>');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '../../..');
const config = loadConfig();
let serverUrl = config.database.url;
let stopEmbedded: (() => Promise<void>) | undefined;
if (!serverUrl) {
  const parent = mkdtempSync(join(tmpdir(), 'switchboard-migration-'));
  chmodSync(parent, 0o755);
  const db = await startEmbeddedPostgres(join(parent, 'pg'), 0, () => undefined);
  serverUrl = db.url;
  stopEmbedded = db.stop;
}
const scratch = `sb_gen_${randomBytes(4).toString('hex')}`;
const at = (db: string) => Object.assign(new URL(serverUrl!), { pathname: `/${db}` }).toString();
const admin = new pg.Client({ connectionString: at('postgres') });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
const ds = new DataSource(typeOrmOptions(at(scratch)));
try {
  await ds.initialize();
  await ds.runMigrations();
  const { upQueries, downQueries } = await ds.driver.createSchemaBuilder().log();
  if (upQueries.length === 0) {
    console.log('The entities match the migrations: nothing to generate.');
  } else {
    const ts = Date.now();
    const cls = `${name}${ts}`;
    const q = (s: string) => '`' + s.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
    const body = (qs: { query: string }[]) =>
      qs.map((x) => `    await queryRunner.query(${q(x.query)});`).join('\n');
    const file = `${ts}-${name}`;
    writeFileSync(
      join(root, 'migrations', `${file}.ts`),
      `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${cls} implements MigrationInterface {
  name = '${cls}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${body(upQueries)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${body([...downQueries].reverse())}
  }
}
`,
    );
    const indexPath = join(root, 'migrations', 'index.ts');
    let index = readFileSync(indexPath, 'utf8');
    index = index.replace(
      /^(import type \{ MigrationInterface \} from 'typeorm';\n)/m,
      `$1import { ${cls} } from './${file}.js';\n`,
    );
    index = index.replace(/,?\s*\];\s*$/, `, ${cls}];\n`); // prettier may have left a trailing comma
    writeFileSync(indexPath, index);
    console.log(
      `Wrote migrations/${file}.ts (${upQueries.length} statements) and listed it in migrations/index.ts`,
    );
  }
} finally {
  if (ds.isInitialized) await ds.destroy();
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
  await stopEmbedded?.();
}

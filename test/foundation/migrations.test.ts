import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { createTestDatabase } from '../support/test-database.js';

describe('migrations', () => {
  it('apply to an empty database and leave nothing for the entities to change', async () => {
    const db = await createTestDatabase();
    const ds = new DataSource(typeOrmOptions(db.url));
    try {
      await ds.initialize();
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.length).toBeGreaterThan(0);
      expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));

      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      // and they can be undone, newest first, down to an empty schema
      for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      const tables = await ds.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'",
      );
      expect(tables).toEqual([]);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }
  });
});

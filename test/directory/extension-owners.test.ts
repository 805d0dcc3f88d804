/**
 * The directory's extension -> user lookup (DirectoryService.usersByExtension, behind the calls
 * module's agent-directory port and the operator gateway's), on real PostgreSQL: one query per
 * batch, answers reused for a few seconds (and no longer).
 */
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { extensionKey } from '../../src/common/pbx-extension.js';
import { ExtensionOwners } from '../../src/modules/directory/peers/extension-owners.js';
import { createTestDatabase } from '../support/test-database.js';

describe('ExtensionOwners (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let queries = 0;
  let pbx: string;
  const user: Record<string, string> = {};

  const one = async <T>(sql: string, params: unknown[] = []) => ((await ds.query(sql, params)) as T[])[0];

  const givePhone = (userId: string, extension: string) =>
    ds.query(
      `INSERT INTO directory_peers (pbx_id, user_id, extension, dial_interface) VALUES ($1, $2, $3, $4)`,
      [pbx, userId, extension, `Local/${extension}@phones/n`],
    );
  /** As DirectoryService builds it while the LISTEN connection is up. */
  const whileChangesHeard = () =>
    new ExtensionOwners(
      ds,
      () => 600_000,
      () => 600_000,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(typeOrmOptions(db.url));
    await ds.initialize();
    await ds.runMigrations();
    pbx = (
      await one<{ id: string }>(
        `INSERT INTO pbxes (name, ami_host, ami_username) VALUES ('lab', 'h', 'u') RETURNING id`,
      )
    ).id;
    for (const name of ['alice', 'carol', 'sam']) {
      user[name] = (
        await one<{ id: string }>(
          `INSERT INTO users (display_name, role) VALUES ($1, 'operator') RETURNING id`,
          [name],
        )
      ).id;
    }
    await givePhone(user.alice, '1001');
    await givePhone(user.carol, '1003');
    const query = ds.query.bind(ds);
    ds.query = ((sql: string, params?: unknown[]) => {
      queries++;
      return query(sql, params);
    }) as typeof ds.query;
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('finds the users of a batch of extensions in one query, then reuses the answers', async () => {
    const dir = new ExtensionOwners(ds);
    const keys = ['1001', '1003', '1002', '1001'].map((extension) => ({ pbxId: pbx, extension }));
    const before = queries;
    const found = await dir.usersByExtension(keys);
    expect(queries - before).toBe(1);
    expect(found).toEqual(
      new Map([
        [extensionKey(pbx, '1001'), user.alice],
        [extensionKey(pbx, '1003'), user.carol],
      ]),
    );
    // again at once: the known ones from memory; 1002, unknown, is asked again
    expect(await dir.usersByExtension(keys)).toEqual(found);
    expect(queries - before).toBe(2);
    expect(await dir.usersByExtension(keys.filter((k) => k.extension !== '1002'))).toEqual(found);
    expect(queries - before).toBe(2);
  });

  it('counts a phone added a moment ago at once', async () => {
    const dir = new ExtensionOwners(ds);
    const key = [{ pbxId: pbx, extension: '1004' }];
    expect((await dir.usersByExtension(key)).size).toBe(0);
    await givePhone(user.sam, '1004');
    expect((await dir.usersByExtension(key)).get(extensionKey(pbx, '1004'))).toBe(user.sam);
  });

  it('remembers a phone nobody has while told to (changes heard), until a change forgets it', async () => {
    const dir = whileChangesHeard();
    const key = [{ pbxId: pbx, extension: '1005' }];
    const before = queries;
    expect((await dir.usersByExtension(key)).size).toBe(0);
    expect((await dir.usersByExtension(key)).size).toBe(0);
    expect(queries - before).toBe(1);
    await givePhone(user.sam, '1005');
    dir.forget([user.sam]); // what DirectoryChanges tells it: the change names Sam, not 1005
    expect((await dir.usersByExtension(key)).get(extensionKey(pbx, '1005'))).toBe(user.sam);
  });

  it('does not keep an answer that a change overtook', async () => {
    const dir = whileChangesHeard();
    const key = [{ pbxId: pbx, extension: '1006' }];
    const reading = dir.usersByExtension(key); // nobody has 1006 yet
    dir.forget([user.sam]); // a change is heard while that query runs
    expect((await reading).size).toBe(0);
    await givePhone(user.sam, '1006');
    const before = queries;
    expect((await dir.usersByExtension(key)).get(extensionKey(pbx, '1006'))).toBe(user.sam);
    expect(queries - before).toBe(1);
  });

  it('sees a phone handed to someone else once the answer has aged', async () => {
    const fresh = new ExtensionOwners(ds, () => 0);
    const cached = new ExtensionOwners(ds, () => 60_000);
    const key = [{ pbxId: pbx, extension: '1003' }];
    expect((await cached.usersByExtension(key)).get(extensionKey(pbx, '1003'))).toBe(user.carol);
    await ds.query(`UPDATE directory_peers SET user_id = $1 WHERE extension = '1003'`, [user.sam]);
    try {
      expect((await fresh.usersByExtension(key)).get(extensionKey(pbx, '1003'))).toBe(user.sam);
      expect((await cached.usersByExtension(key)).get(extensionKey(pbx, '1003'))).toBe(user.carol);
    } finally {
      await ds.query(`UPDATE directory_peers SET user_id = $1 WHERE extension = '1003'`, [user.carol]);
    }
  });
});

/**
 * The stopgap bindings of the agent-directory and supervision ports, on real PostgreSQL: one query
 * per batch, answers reused for a few seconds (and no longer), supervisors' queues and members.
 */
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../../src/database/typeorm-options.js';
import { extensionKey } from '../../src/modules/calls/ports/calls.ports.js';
import { SqlAgentDirectory, SqlSupervision } from '../../src/modules/calls/ports/directory-sql.binding.js';
import { createTestDatabase } from '../support/test-database.js';

describe('directory SQL bindings (real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  let queries = 0;
  let pbx: string;
  const user: Record<string, string> = {};

  const one = async <T>(sql: string, params: unknown[] = []) => ((await ds.query(sql, params)) as T[])[0];

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
    for (const [name, ext] of [
      ['alice', '1001'],
      ['carol', '1003'],
    ]) {
      await ds.query(
        `INSERT INTO directory_peers (pbx_id, user_id, extension, dial_interface) VALUES ($1, $2, $3, $4)`,
        [pbx, user[name], ext, `Local/${ext}@phones/n`],
      );
    }
    const group = (
      await one<{ id: string }>(
        `INSERT INTO directory_groups (name, pbx_id, queue) VALUES ('Support', $1, 'support') RETURNING id`,
        [pbx],
      )
    ).id;
    for (const [name, role] of [
      ['alice', 'member'],
      ['sam', 'supervisor'],
    ]) {
      await ds.query(`INSERT INTO directory_memberships (group_id, user_id, role) VALUES ($1, $2, $3)`, [
        group,
        user[name],
        role,
      ]);
    }
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
    const dir = new SqlAgentDirectory(ds);
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
    const dir = new SqlAgentDirectory(ds);
    const key = [{ pbxId: pbx, extension: '1004' }];
    expect((await dir.usersByExtension(key)).size).toBe(0);
    await ds.query(
      `INSERT INTO directory_peers (pbx_id, user_id, extension, dial_interface) VALUES ($1, $2, '1004', 'Local/1004@phones/n')`,
      [pbx, user.sam],
    );
    expect((await dir.usersByExtension(key)).get(extensionKey(pbx, '1004'))).toBe(user.sam);
  });

  it('sees a phone handed to someone else once the answer has aged', async () => {
    const fresh = new SqlAgentDirectory(ds, 0);
    const cached = new SqlAgentDirectory(ds, 60_000);
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

  it("gives a supervisor their groups' queues and members, and nothing to others", async () => {
    const sup = new SqlSupervision(ds);
    const s = await sup.groupsSupervisedBy(user.sam);
    expect(s.queues).toEqual([{ pbxId: pbx, queue: 'support' }]);
    expect([...s.userIds].sort()).toEqual([user.alice, user.sam].sort());
    expect(await sup.groupsSupervisedBy(user.alice)).toEqual({ queues: [], userIds: [] });
  });
});

/**
 * Directory changes announced to every instance's caches (DirectoryChanges): NOTIFY in the
 * transaction of the change, LISTEN on a connection of its own, on real PostgreSQL.
 */
import { DataSource } from 'typeorm';
import {
  announceDirectoryChange,
  DirectoryChanges,
  type DirectoryChange,
} from '../../src/modules/directory/directory-changes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { call, type Person, person, unreachablePbx, until } from './directory-test-kit.js';

describe('Directory changes (PostgreSQL LISTEN/NOTIFY)', () => {
  let app: TestApp;
  let changes: DirectoryChanges;
  let ds: DataSource;
  const heard: DirectoryChange[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    expect((await unreachablePbx(app)).status).toBe(201); // no Asterisk is needed to change the directory
    changes = app.app.get(DirectoryChanges);
    ds = app.app.get(DataSource);
    changes.onChange((c) => heard.push(c));
    await until('the directory changes connection', () => changes.listening);
  });
  afterAll(async () => {
    await app?.stop();
  });
  const givePhone = async (who: Person, extension: string) => {
    const peer = await call(app, 'POST', '/api/v1/peers', {
      userId: who.id,
      extension,
      dialInterface: `Local/${extension}@phones/n`,
    });
    expect(peer.status).toBe(201);
  };

  it('a peer or membership changed over the REST API is heard with its user; a group or a supervisor as anything', async () => {
    const alice = await person(app, 'Alice Agent', 'operator');
    await givePhone(alice, '3001');
    await until('the peer change', () => heard.some((c) => c?.includes(alice.id)));
    const group = await call(app, 'POST', '/api/v1/groups', { name: 'Support', queue: 'support' });
    expect(group.status).toBe(201);
    // a group's change concerns all its members: "anything"
    await until('the group change', () => heard.includes(null));
    heard.length = 0;
    const member = await call(app, 'POST', `/api/v1/groups/${group.body.id}/members`, { userId: alice.id });
    expect(member.status).toBe(201);
    await until('the membership change', () => heard.some((c) => c?.includes(alice.id)));
    // a supervisor's membership changes whom every member of the group reports to: "anything"
    heard.length = 0;
    const sue = await person(app, 'Sue Supervisor', 'supervisor');
    const sup = await call(app, 'POST', `/api/v1/groups/${group.body.id}/members`, {
      userId: sue.id,
      role: 'supervisor',
    });
    expect(sup.status).toBe(201);
    await until('the supervisor change', () => heard.includes(null));
    expect(heard.some((c) => c?.includes(sue.id))).toBe(false);
  });

  it('a change that is rolled back is never heard; the next committed one is', async () => {
    heard.length = 0;
    const rolledBack = '00000000-0000-4000-8000-00000000000a';
    const committed = '00000000-0000-4000-8000-00000000000b';
    await expect(
      ds.transaction(async (m) => {
        await announceDirectoryChange(m, [rolledBack]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await ds.transaction((m) => announceDirectoryChange(m, [committed]));
    // PostgreSQL delivers notifications in commit order: had the first been sent, it came first.
    await until('the committed change', () => heard.length > 0);
    expect(heard[0]).toEqual([committed]);
    expect(heard.flat()).not.toContain(rolledBack);
  });

  it('after its connection is cut it listens again and says anything may have changed; meanwhile caches keep answers only briefly', async () => {
    expect(changes.cacheTtlMs(30_000)).toBe(600_000);
    heard.length = 0;
    const [{ cut }] = (await ds.query(
      `SELECT count(pg_terminate_backend(pid))::int AS cut FROM pg_stat_activity
       WHERE application_name = 'switchboard-directory-changes' AND datname = current_database()`,
    )) as { cut: number }[];
    expect(cut).toBe(1);
    await until('the connection lost', () => !changes.listening);
    expect(changes.cacheTtlMs(30_000)).toBe(30_000);
    await until('the "anything" after the reconnect', () => heard.includes(null));
    expect(changes.listening).toBe(true);
    expect(changes.cacheTtlMs(30_000)).toBe(600_000);
    expect(await (await app.api('/metrics')).text()).toMatch(/^switchboard_directory_changes_listening 1$/m);
    const bob = await person(app, 'Bob Agent', 'operator');
    await givePhone(bob, '3002');
    await until('a change after the reconnect', () => heard.some((c) => c?.includes(bob.id)));
  });
});

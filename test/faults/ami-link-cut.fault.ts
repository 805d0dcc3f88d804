import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { PgProxy } from '../calls/support/pg-proxy.js';
import { createTestDatabase } from '../support/test-database.js';
import {
  addPbx,
  commEvent,
  commEvents,
  type Instance,
  sleep,
  spawnInstance,
  until,
} from './support/cluster.js';

/**
 * The AMI link cut mid-call and restored (a TCP relay between the app and the simulator, cut: every
 * connection dropped, new ones refused). Two PBXes, one answered queue call each, slowed down 3x
 * (ring ~3 s, talk ~9 s):
 * - PBX "long": cut for 15 s after the answer; the call ends during the cut; once the link is back
 *   the call is closed (at the time the link came back, with a note), answered, not left open;
 * - PBX "short": cut for 2 s after the answer; the call ends after the link is back and is recorded
 *   whole (AgentComplete's talk time, no note).
 */
describe('fault: the AMI link cut mid-call and restored', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: Instance | undefined;
  const sims: AmiSimulator[] = [];
  const relays: PgProxy[] = [];

  afterAll(async () => {
    await app?.stop();
    for (const r of relays) await r.stop();
    for (const s of sims) await s.stop();
    await db?.drop();
  });

  async function pbxBehindRelay(name: string): Promise<{ id: string; relay: PgProxy }> {
    const sim = new AmiSimulator({
      port: 0,
      username: 'crm',
      secret: 'labsecret',
      scripted: { callsPerSecond: 0.5, answerRatio: 1, durationSeconds: 1, seed: 7 },
      timeScale: 3,
    });
    sims.push(sim);
    const relay = new PgProxy('127.0.0.1', await sim.start());
    relays.push(relay);
    const id = await addPbx(app!, name, await relay.start());
    return { id, relay };
  }

  it('closes the call that ended during the cut, and follows the one that outlived it', async () => {
    db = await createTestDatabase();
    app = await spawnInstance('cut', { DATABASE_URL: db.url });
    const [long, short] = await Promise.all([pbxBehindRelay('long'), pbxBehindRelay('short')]);

    const answered = async (pbxId: string) =>
      until(
        `the ${pbxId} call answered`,
        async () => (await commEvents(app!)).find((c) => c.pbxId === pbxId && c.status === 'in_progress'),
        30_000,
      );
    const [callLong, callShort] = await Promise.all([answered(long.id), answered(short.id)]).catch(
      async (e: unknown) => {
        throw new Error(
          `${(e as Error).message}: ${JSON.stringify(await commEvents(app!))}\n${app!.output().slice(-3000)}`,
        );
      },
    );

    const cutAt = Date.now();
    long.relay.cut();
    short.relay.cut();
    await sleep(2000);
    short.relay.restore();
    await sleep(13_000);
    const restoredAt = Date.now();
    long.relay.restore();
    // The client reconnects on its backoff schedule (capped); the call is closed when the link is back.
    const linkBackAt = await until(
      'the long link back',
      async () => ((await app!.health()).components['ami:long'].status === 'up' ? Date.now() : undefined),
      60_000,
    );

    const closed = await until(
      'the long call closed',
      async () => (await commEvents(app!)).find((c) => c.id === callLong.id && c.status === 'complete'),
      30_000,
    );
    const closedSeenAt = Date.now();
    const longRow = await commEvent(app, closed.id);
    expect(longRow).toMatchObject({
      outcome: 'answered',
      queue: callLong.queue,
      agentExtension: callLong.agentExtension,
    });
    // (the tracker may refine answeredAt by a few ms between the in-progress write and the end)
    expect(Math.abs(Date.parse(longRow.answeredAt!) - Date.parse(callLong.answeredAt!))).toBeLessThan(1000);
    if (longRow.note === null)
      throw new Error(
        `not closed as vanished: cut at ${new Date(cutAt).toISOString()}, link back ${new Date(linkBackAt).toISOString()}: ${JSON.stringify(longRow)}\n${app.output().slice(-4000)}`,
      );
    expect(longRow.note).toMatch(/vanished|link/i);
    // Ended when the link came back: not at the cut, nor when the call really ended (during the
    // cut, ~6 s before the restore), nor later than the test saw the row closed. An order, not a
    // speed: a loaded machine may take any time to reconnect.
    expect(Date.parse(longRow.endedAt!)).toBeGreaterThanOrEqual(restoredAt);
    expect(Date.parse(longRow.endedAt!)).toBeLessThanOrEqual(closedSeenAt);
    process.stdout.write(
      `AMI link restored, the long call closed ${Date.parse(longRow.endedAt!) - restoredAt} ms later (link seen up after ${linkBackAt - restoredAt} ms)\n`,
    );

    const ended = await until(
      'the short call complete',
      async () => (await commEvents(app!)).find((c) => c.id === callShort.id && c.status === 'complete'),
      30_000,
    );
    const shortRow = await commEvent(app, ended.id);
    expect(Math.abs(Date.parse(shortRow.answeredAt!) - Date.parse(callShort.answeredAt!))).toBeLessThan(1000);
    expect(shortRow).toMatchObject({
      outcome: 'answered',
      agentExtension: callShort.agentExtension,
      note: null,
      talkSeconds: 3, // AgentComplete's TalkTime, seen after the link came back
    });
    const all = await commEvents(app);
    // (both simulators may number their first call alike: a CommEvent is keyed by PBX and Linkedid)
    expect(all.filter((c) => c.linkedid === callLong.linkedid && c.pbxId === long.id)).toHaveLength(1);
    expect(all.filter((c) => c.linkedid === callShort.linkedid && c.pbxId === short.id)).toHaveLength(1);
    expect(all.filter((c) => c.status !== 'complete')).toHaveLength(0);
    const h = await app.health();
    expect(h.components['ami:long'].status).toBe('up');
    expect(h.components['ami:short'].status).toBe('up');
  });
});

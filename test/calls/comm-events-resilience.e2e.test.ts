/**
 * No CommEvent is duplicated or lost: the same recording replayed twice with the same ids,
 * PostgreSQL cut off (through a TCP proxy) during a replay, and the journal a tiny buffer spills
 * to, written at the next start.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ORPHAN_NOTE } from '../../src/modules/calls/comm-events/comm-event-writer.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { createTestDatabase } from '../support/test-database.js';
import { addPbx, type CallsApp, completeCalls, FIXTURES, startCallsApp, until } from './support/calls-app.js';
import { PgProxy, throughProxy } from './support/pg-proxy.js';

const BUSY_HOUR = join(FIXTURES, 'busy-hour-24-calls.ami');

type Health = { components: Record<string, { status: string; [k: string]: unknown }> };
const health = async (app: CallsApp) => (await (await fetch(`${app.url}/health`)).json()) as Health;
const commEventsHealth = async (app: CallsApp) => (await health(app)).components['comm-events'];
const linkUp = (app: CallsApp, name: string) =>
  until(`the AMI link ${name}`, async () => (await health(app)).components[`ami:${name}`]?.status === 'up');

/** Everything GET /api/v1/comm-events/:id says about every call of a PBX, by linkedid. */
async function details(app: CallsApp, pbxId: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of (await app.commEvents()).filter((x) => x.pbxId === pbxId)) {
    out.set(
      r.linkedid,
      (await (await app.api(`/api/v1/comm-events/${r.id}`)).json()) as Record<string, unknown>,
    );
  }
  return out;
}

function pgServer(): { host: string; port: number } {
  const u = new URL(process.env.TEST_PG_SERVER_URL!);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

describe('CommEvents are neither duplicated nor lost', () => {
  it('replaying the same recording twice (same Linkedids) leaves the same rows', async () => {
    const app = await startCallsApp();
    let sim = new AmiSimulator({ port: 0, trace: BUSY_HOUR, speed: 'max' });
    try {
      const port = await sim.start();
      const pbxId = await addPbx(app, 'twice', port);
      await completeCalls(app, pbxId, 24);
      const first = await details(app, pbxId);

      // the same bytes again from a "restarted PBX" on the same port: the link reconnects and replays
      await sim.stop();
      sim = new AmiSimulator({ port, trace: BUSY_HOUR, speed: 'max' });
      const replayed = new Promise((r) => sim.once('replay-done', r));
      await sim.start();
      await replayed;
      await until('the tracker to end every replayed call', async () =>
        ((await (await app.api('/api/v1/live/calls')).json()) as unknown[]).length === 0 ? true : undefined,
      );
      await until('the writer to be idle', async () => {
        const h = await commEventsHealth(app);
        return h.pending === 0 && h.inFlight === 0;
      });
      await new Promise((r) => setTimeout(r, 300)); // a flush timer's worth more

      const second = await details(app, pbxId);
      expect(second.size).toBe(24);
      expect(second).toEqual(first); // ids, facts and updatedAt: nothing was rewritten
    } finally {
      await app.close();
      await app.dropDatabase();
      await sim.stop();
    }
  });

  describe('with PostgreSQL behind a proxy', () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let proxy: PgProxy;
    let databaseUrl: string;

    beforeEach(async () => {
      db = await createTestDatabase();
      const { host, port } = pgServer();
      proxy = new PgProxy(host, port);
      databaseUrl = throughProxy(db.url, await proxy.start());
    });
    afterEach(async () => {
      await proxy.stop();
      await db.drop();
    });

    it('loses no call while PostgreSQL is unreachable during a replay, and says degraded meanwhile', async () => {
      const app = await startCallsApp({ databaseUrl });
      const sim = new AmiSimulator({ port: 0, trace: BUSY_HOUR, speed: 'max', autoplay: false });
      try {
        const pbxId = await addPbx(app, 'outage', await sim.start());
        await linkUp(app, 'outage');
        expect((await commEventsHealth(app)).status).toBe('up');

        proxy.cut();
        await sim.play();
        const degraded = await until('comm-events degraded with a backlog', async () => {
          const h = await commEventsHealth(app);
          return h.status === 'degraded' && (h.pending as number) > 0 && (h.failures as number) > 0
            ? h
            : undefined;
        });
        expect(degraded.journaled).toBe(0);
        // every call has ended in the tracker; none of them is in the database
        await until('no live call', async () =>
          ((await (await app.api('/api/v1/live/calls')).json()) as unknown[]).length === 0 ? true : undefined,
        );
        await new Promise((r) => setTimeout(r, 1500));
        const backlog = await commEventsHealth(app);
        expect((backlog.pending as number) + (backlog.inFlight as number)).toBe(24);

        proxy.restore();
        const rows = await completeCalls(app, pbxId, 24, 30_000);
        expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(10);
        expect(rows.filter((r) => r.outcome === 'abandoned')).toHaveLength(14);
        await until('comm-events up again', async () => (await commEventsHealth(app)).status === 'up');
      } finally {
        proxy.restore();
        await app.close();
        await sim.stop();
      }
    });

    it('spills past a tiny buffer to the journal, journals the rest at shutdown, and writes it all at the next start', async () => {
      const env = { COMM_EVENTS_BUFFER_SIZE: '4' };
      // its own DATA_DIR: the journal must outlive the first app (the kit removes one it created at close)
      const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-calls-'));
      let app = await startCallsApp({ databaseUrl, dataDir, env });
      const journalDir = join(dataDir, 'journal');
      const sim = new AmiSimulator({ port: 0, trace: BUSY_HOUR, speed: 'max', autoplay: false });
      try {
        const pbxId = await addPbx(app, 'spill', await sim.start());
        await linkUp(app, 'spill');
        proxy.cut();
        await sim.play();
        const h = await until('records in the journal', async () => {
          const c = await commEventsHealth(app);
          return (c.journaled as number) > 0 ? c : undefined;
        });
        expect(h.status).toBe('degraded');
        expect(h.pending as number).toBeLessThanOrEqual(4); // the bound; plus at most one batch in flight
        await until('no live call', async () =>
          ((await (await app.api('/api/v1/live/calls')).json()) as unknown[]).length === 0 ? true : undefined,
        );

        // stopped while the database is still away: what memory held goes to the journal too
        await app.close();
        const journaled = readdirSync(journalDir)
          .filter((f) => f.startsWith('comm-events') && !f.includes('rejected'))
          .flatMap((f) => readFileSync(join(journalDir, f), 'utf8').split('\n').filter(Boolean))
          .map((l) => JSON.parse(l) as { linkedid: string; status: string });
        expect(new Set(journaled.filter((d) => d.status === 'complete').map((d) => d.linkedid)).size).toBe(
          24,
        );

        proxy.restore();
        // a call an earlier run left open (it stopped mid-call): closed at the first sync, not left open
        const pgc = new pg.Client({ connectionString: db.url });
        await pgc.connect();
        await pgc.query(
          `INSERT INTO comm_events (pbx_id, linkedid, direction, status, from_number, agent_extension, started_at, answered_at)
           VALUES ($1, 'left-open.1', 'inbound', 'in_progress', '+79160000099', '1001', now() - interval '60 s', now() - interval '55 s')`,
          [pbxId],
        );
        await pgc.end();
        app = await startCallsApp({ databaseUrl, dataDir, env });
        const orphan = await until('the left-open call closed', async () => {
          const r = (await app.commEvents()).find((x) => x.linkedid === 'left-open.1');
          return r?.status === 'complete' ? r : undefined;
        });
        expect(orphan).toMatchObject({ outcome: 'answered', agentExtension: '1001' });
        expect(orphan.talkSeconds).toBeGreaterThanOrEqual(55);
        const note = ((await (await app.api(`/api/v1/comm-events/${orphan.id}`)).json()) as { note: string })
          .note;
        expect(note).toBe(ORPHAN_NOTE);
        const rows = (await completeCalls(app, pbxId, 25)).filter((r) => r.linkedid !== 'left-open.1');
        expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(10);
        expect(rows.filter((r) => r.agentExtension === '1001')).toHaveLength(6);
        expect(new Set(rows.map((r) => r.linkedid)).size).toBe(24);
        await until('comm-events up', async () => (await commEventsHealth(app)).status === 'up');
        expect((await commEventsHealth(app)).journaled).toBe(0);
        expect(readdirSync(journalDir).filter((f) => !f.includes('rejected'))).toEqual([]);
        expect(existsSync(join(journalDir, 'comm-events.rejected.jsonl'))).toBe(false);
      } finally {
        proxy.restore();
        await app.close();
        await sim.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});

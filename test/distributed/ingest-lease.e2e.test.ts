import { AmiGatewayService } from '../../src/modules/ami/ami-gateway.service.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { type CallsApp, startCallsApp } from '../calls/support/calls-app.js';
import { PgProxy, throughProxy } from '../calls/support/pg-proxy.js';
import { createTestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

/**
 * Two (or one) whole apps in this process on one database, one PBX simulator: exactly one of them
 * ingests the PBX at a time (PostgreSQL advisory lock), the other keeps only an actions session;
 * when the owner loses its database connection another takes over within 5 s, and the owner stops
 * emitting at once; an owner that gets its lease back replays what it held.
 */

type App = CallsApp & { dropDatabase(): Promise<void> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Marker events each gateway emitted (UserEvent with a Marker header), with their arrival times. */
function recordMarkers(gateway: AmiGatewayService): Map<string, Date> {
  const seen = new Map<string, Date>();
  gateway.on('event', (_pbx, msg, at) => {
    const m = msg.headers['marker'];
    if (typeof m === 'string') {
      if (seen.has(m)) seen.set(`${m}#dup`, at);
      else seen.set(m, at);
    }
  });
  return seen;
}

const marker = (sim: AmiSimulator, id: string) =>
  sim.emitEvent({ Event: 'UserEvent', Privilege: 'user,all', UserEvent: 'Marker', Marker: id });

async function health(
  app: App,
): Promise<{ status: string; components: Record<string, Record<string, unknown>> }> {
  return (await (await fetch(`${app.url}/health`)).json()) as never;
}

describe('ingest lease: one instance ingests each PBX', () => {
  let sim: AmiSimulator;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const apps: App[] = [];
  const proxies: PgProxy[] = [];

  beforeAll(async () => {
    sim = new AmiSimulator({ port: 0, username: 'crm', secret: 'labsecret' });
    await sim.start();
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close().catch(() => undefined);
    for (const p of proxies.splice(0)) await p.stop();
  });
  afterAll(async () => {
    await sim?.stop();
    await db?.drop();
  });

  async function start(name: string, env: Record<string, string> = {}, viaProxy?: PgProxy): Promise<App> {
    let url = db.url;
    if (viaProxy) url = throughProxy(db.url, await viaProxy.start());
    const app = await startCallsApp({ databaseUrl: url, env: { INSTANCE_NAME: name, ...env } });
    apps.push(app);
    return app;
  }

  async function pbxId(app: App, region: string | null = null): Promise<string> {
    const list = (await (await app.api('/api/v1/pbxes')).json()) as { id: string; name: string }[];
    const found = list.find((p) => p.name === 'lab');
    if (found) return found.id;
    const res = await app.api('/api/v1/pbxes', {
      method: 'POST',
      json: {
        name: 'lab',
        amiHost: '127.0.0.1',
        amiPort: sim.port,
        amiUsername: 'crm',
        amiSecret: 'labsecret',
        region,
      },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  const eventsSessions = () =>
    sim.actionsReceived.filter((a) => a.headers.action === 'Events' && a.headers.eventmask !== 'off').length;

  it('two instances: exactly one ingests, the other only acts; the owner losing PostgreSQL hands over within 5 s', async () => {
    const proxy = new PgProxy('127.0.0.1', Number(new URL(db.url).port));
    proxies.push(proxy);
    const a = await start('inst-a', {}, proxy);
    const id = await pbxId(a);
    const gwA = a.app.get(AmiGatewayService);
    await until('A ingesting', () => gwA.isReady(id));
    const b = await start('inst-b');
    const gwB = b.app.get(AmiGatewayService);
    const seenA = recordMarkers(gwA);
    const seenB = recordMarkers(gwB);
    await until('B acting', () => gwB.canAct(id));
    await sleep(2500); // several lease ticks: B must not take it
    expect([gwA.ingesting(id), gwB.ingesting(id)]).toEqual([true, false]);
    expect(gwB.isReady(id)).toBe(false);

    for (let i = 0; i < 20; i++) marker(sim, `m${i}`);
    await until('A got the markers', () => seenA.size === 20);
    expect(seenB.size).toBe(0);
    // A command from B reaches the PBX through B's own actions session.
    const sent = sim.actionsReceived.length;
    await gwB.action(id, 'QueueStatus');
    expect(sim.actionsReceived.length).toBeGreaterThan(sent);

    const hb = await health(b);
    expect(hb.components['ami:lab']).toMatchObject({
      status: 'up',
      ingesting: false,
      lease: { state: 'waiting', connection: 'up', holder: 'inst-a' },
    });
    const ha = await health(a);
    expect(ha.components['ami:lab']).toMatchObject({
      ingesting: true,
      lease: { state: 'owner', holder: 'inst-a' },
    });
    expect(await (await a.api('/metrics')).text()).toMatch(/switchboard_ami_ingest_owner\{pbx="lab"\} 1/);
    expect(await (await b.api('/metrics')).text()).toMatch(/switchboard_ami_ingest_owner\{pbx="lab"\} 0/);

    // A loses PostgreSQL (its lease connection with it): it stops emitting at once, B takes over.
    const cutAt = Date.now();
    proxy.cut();
    await until('A unproven', () => gwA.leaseStatus(id).state === 'unproven', 5000);
    marker(sim, 'during-cut');
    await until('B ingesting', () => gwB.isReady(id), 5000);
    const takeoverMs = Date.now() - cutAt;
    expect(takeoverMs).toBeLessThan(5000);
    for (let i = 0; i < 20; i++) marker(sim, `n${i}`);
    await until(
      'B got the new markers',
      () => [...seenB.keys()].filter((k) => k.startsWith('n')).length === 20,
    );
    expect(seenA.has('during-cut')).toBe(false); // held, never emitted by A
    // A gets its database back, finds B holding the lease, drops what it held and closes its events session.
    proxy.restore();
    await until(
      'A released',
      () => gwA.leaseStatus(id).state === 'waiting' && !gwA.statuses()[0].ingest,
      10_000,
    );
    await sleep(1500);
    for (let i = 0; i < 10; i++) marker(sim, `o${i}`);
    await until(
      'B got the last markers',
      () => [...seenB.keys()].filter((k) => k.startsWith('o')).length === 10,
    );
    await sleep(300);
    const fromA = [...seenA.keys()];
    expect(fromA.some((k) => k.startsWith('n') || k.startsWith('o') || k === 'during-cut')).toBe(false);
    expect([...seenA.keys(), ...seenB.keys()].some((k) => k.endsWith('#dup'))).toBe(false);
    expect(gwA.ingesting(id)).toBe(false);
    process.stdout.write(`takeover after the owner's database cut: ${takeoverMs} ms\n`);
  }, 60_000);

  it('one instance: a loss of PostgreSQL changes nothing for ingestion (nobody could take over)', async () => {
    const proxy = new PgProxy('127.0.0.1', Number(new URL(db.url).port));
    proxies.push(proxy);
    const a = await start('solo', {}, proxy);
    const id = await pbxId(a);
    const gw = a.app.get(AmiGatewayService);
    await until('ingesting', () => gw.isReady(id));
    const seen = recordMarkers(gw);
    proxy.cut();
    await until('unproven', () => gw.leaseStatus(id).state === 'unproven', 5000);
    for (let i = 0; i < 20; i++) marker(sim, `s${i}`);
    await until('events keep flowing', () => seen.size === 20, 5000);
    const h = await health(a);
    expect(h.components['ami:lab']).toMatchObject({
      ingesting: true,
      lease: { state: 'unproven', alone: true, connection: 'down' },
    });
    expect(h.components['ingest-lease']).toMatchObject({ status: 'degraded' });
    proxy.restore();
    await until('owner again', () => gw.leaseStatus(id).state === 'owner', 10_000);
    marker(sim, 'after');
    await until('live', () => seen.has('after'));
    expect([...seen.keys()].some((k) => k.endsWith('#dup'))).toBe(false);
  }, 60_000);

  it('two instances: an owner losing PostgreSQL briefly holds the events, reclaims the lease, replays them with arrival times', async () => {
    const proxy = new PgProxy('127.0.0.1', Number(new URL(db.url).port));
    proxies.push(proxy);
    const a = await start('home', { INSTANCE_REGION: 'eu' }, proxy);
    const id = await pbxId(a, 'eu');
    const gwA = a.app.get(AmiGatewayService);
    await until('A ingesting', () => gwA.isReady(id));
    // B is of another region: it waits three free sightings (about 3 s) before bidding.
    const b = await start('away', { INSTANCE_REGION: 'us' });
    const gwB = b.app.get(AmiGatewayService);
    await until('B acting', () => gwB.canAct(id));
    await sleep(1200); // A sees B's lease connection
    const seenA = recordMarkers(gwA);
    const seenB = recordMarkers(gwB);
    proxy.cut();
    await until('A unproven', () => gwA.leaseStatus(id).state === 'unproven', 5000);
    const sentAt = Date.now();
    for (let i = 0; i < 50; i++) marker(sim, `h${i}`);
    await sleep(300);
    expect(seenA.size).toBe(0); // nothing acted on while ownership cannot be proven
    expect((await health(a)).components['ami:lab']).toMatchObject({
      status: 'degraded',
      ingesting: false,
      lease: { state: 'unproven', heldEvents: 50 },
    });
    proxy.restore();
    await until('all 50 replayed by A', () => seenA.size === 50, 10_000);
    expect(gwA.leaseStatus(id).state).toBe('owner');
    expect(seenB.size).toBe(0);
    // Arrival times are when the PBX sent them, not when they were replayed.
    for (const at of seenA.values()) expect(Math.abs(at.getTime() - sentAt)).toBeLessThan(500);
    marker(sim, 'after');
    await until('live again', () => seenA.has('after'));
  }, 60_000);

  it('prefers an instance of the PBX region: a foreign owner hands the PBX back', async () => {
    const a = await start('far', { INSTANCE_REGION: 'eu' });
    const id = await pbxId(a);
    await a.api(`/api/v1/pbxes/${id}`, { method: 'PATCH', json: { region: 'asia' } });
    const gwA = a.app.get(AmiGatewayService);
    await until('A ingesting', () => gwA.isReady(id), 10_000);
    const b = await start('near', { INSTANCE_REGION: 'asia' });
    const gwB = b.app.get(AmiGatewayService);
    const started = Date.now();
    await until('B ingesting', () => gwB.isReady(id), 20_000);
    expect(gwA.ingesting(id)).toBe(false);
    expect(Date.now() - started).toBeGreaterThan(3000); // after the handback delay, not at once
    expect(eventsSessions()).toBeGreaterThan(0);
  }, 60_000);
});

describe('takeover mid-call: the new ingester adopts the open call and completes its CommEvent once', () => {
  it('A follows an answered queue call, stops; B takes over, adopts it and records its end on the same row', async () => {
    const sim = new AmiSimulator({
      port: 0,
      username: 'crm',
      secret: 'labsecret',
      // one answered queue call, slowed down 4x (ring ~4 s, talk ~12 s)
      scripted: { callsPerSecond: 0.5, answerRatio: 1, durationSeconds: 1, seed: 7 },
      timeScale: 4,
    });
    await sim.start();
    const db = await createTestDatabase();
    const env = { COMM_EVENTS_FLUSH_MS: '20' };
    const a = await startCallsApp({ databaseUrl: db.url, env: { ...env, INSTANCE_NAME: 'a' } });
    let b: App | undefined;
    try {
      const res = await a.api('/api/v1/pbxes', {
        method: 'POST',
        json: {
          name: 'lab',
          amiHost: '127.0.0.1',
          amiPort: sim.port,
          amiUsername: 'crm',
          amiSecret: 'labsecret',
        },
      });
      const id = ((await res.json()) as { id: string }).id;
      const gwA = a.app.get(AmiGatewayService);
      await until('A ingesting', () => gwA.isReady(id), 10_000);
      b = await startCallsApp({ databaseUrl: db.url, env: { ...env, INSTANCE_NAME: 'b' } });
      const gwB = b.app.get(AmiGatewayService);
      await until('B acting', () => gwB.canAct(id));
      const answered = await until(
        'the call answered and recorded by A',
        async () => (await a.commEvents()).find((c) => c.status === 'in_progress'),
        30_000,
      );
      expect(gwB.ingesting(id)).toBe(false);
      await a.close(); // A goes away mid-call (its lease connection ends with it)
      await until('B ingesting', () => gwB.isReady(id), 5000);
      const done = await until(
        'the call complete',
        async () =>
          (await b!.commEvents()).find((c) => c.linkedid === answered.linkedid && c.status === 'complete'),
        40_000,
      );
      const all = await b.commEvents();
      expect(all.filter((c) => c.linkedid === answered.linkedid)).toHaveLength(1);
      expect(done).toMatchObject({
        id: answered.id,
        outcome: 'answered',
        queue: answered.queue,
        agentExtension: answered.agentExtension,
        answeredAt: answered.answeredAt,
        startedAt: answered.startedAt,
      });
      // AgentComplete's TalkTime (the template's 3 s; the simulator does not scale it), which only B saw.
      expect(done.talkSeconds).toBe(3);
      const row = (await (await b.api(`/api/v1/comm-events/${done.id}`)).json()) as { note: string | null };
      expect(row.note).toBeNull(); // followed to its real end, not closed as vanished
    } finally {
      await b?.close();
      await a.close().catch(() => undefined);
      await sim.stop();
      await db.drop();
    }
  }, 90_000);
});

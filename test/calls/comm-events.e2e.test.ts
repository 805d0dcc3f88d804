/**
 * Each Asterisk 22 recording replayed by the PBX simulator over AMI into the running app, and read
 * back as CommEvents through GET /api/v1/comm-events: the facts the fixtures README lists.
 */
import { join } from 'node:path';
import { CallEventsBus, type CommEventSavedEvent } from '../../src/modules/calls/call-events.bus.js';
import { CommEventsService } from '../../src/modules/calls/comm-events/comm-events.service.js';
import { AmiSimulator } from '../../src/simulator/ami-simulator.js';
import { addPbx, type CallsApp, completeCalls, FIXTURES, startCallsApp, until } from './support/calls-app.js';

describe('CommEvents from the recordings (simulator -> AMI -> tracker -> PostgreSQL -> REST)', () => {
  let app: CallsApp & { dropDatabase(): Promise<void> };
  const sims: AmiSimulator[] = [];

  /** A PBX of its own per recording, so each recording's calls are told apart by pbxId. */
  async function replay(file: string, name: string): Promise<string> {
    const sim = new AmiSimulator({ port: 0, trace: join(FIXTURES, file), speed: 'max' });
    sims.push(sim);
    return addPbx(app, name, await sim.start());
  }

  beforeAll(async () => {
    app = await startCallsApp();
  });
  afterAll(async () => {
    await app?.close();
    await app?.dropDatabase();
    for (const s of sims) await s.stop();
  });

  it('inbound-queue-answered: answered by Alice (1001) in support, hold 1, talk 3, recorded; Bob’s ring is a leg', async () => {
    // The caller is a known contact, stored in national format; another shares only the last digits.
    const contact = async (displayName: string, number: string, kind = 'person') => {
      const res = await app.api('/api/v1/contacts', {
        method: 'POST',
        json: { displayName, kind, phones: [{ number }] },
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const ivan = await contact('Ivan Petrov', '8 (916) 123-45-67');
    await contact('Somebody abroad', '+380 916 123 4567');
    const pbx = await replay('inbound-queue-answered.ami', 'answered');
    const [ce] = await completeCalls(app, pbx, 1);
    expect(ce).toMatchObject({
      direction: 'inbound',
      status: 'complete',
      outcome: 'answered',
      fromNumber: '+79161234567',
      fromE164: '+79161234567',
      toNumber: '74951234567',
      toE164: '+74951234567',
      queue: 'support',
      agentExtension: '1001',
      agentName: 'Alice Agent',
      waitSeconds: 1,
      talkSeconds: 3,
      recordingUrl: `/api/v1/comm-events/${ce.id}/recording`,
      transfers: [],
    });
    expect(ce.answeredAt).not.toBeNull();
    expect(Date.parse(ce.endedAt!)).toBeGreaterThanOrEqual(Date.parse(ce.answeredAt!));
    expect(ce.contactId).toBe(ivan);
    expect((await app.commEvents(`contactId=${ivan}`)).map((r) => r.id)).toEqual([ce.id]);

    const detail = (await (await app.api(`/api/v1/comm-events/${ce.id}`)).json()) as {
      legs: { extension: string; answered: boolean; reason: string; ringSeconds: number }[];
      hangupCause: number | null;
    };
    expect(detail.legs.map((l) => `${l.extension}:${l.reason}`)).toEqual([
      '1002:answered-elsewhere',
      '1001:answered',
    ]);
    expect(detail.legs.find((l) => l.answered)?.ringSeconds).toBe(1);
    // Bob's ring is a leg of this call, not a missed call of his
    expect(await app.commEvents(`outcome=missed`)).toEqual([]);
  });

  it('inbound-queue-abandoned: abandoned in support after about 6 s, never answered', async () => {
    const pbx = await replay('inbound-queue-abandoned.ami', 'abandoned');
    const [ce] = await completeCalls(app, pbx, 1);
    expect(ce).toMatchObject({
      direction: 'inbound',
      outcome: 'abandoned',
      queue: 'support',
      fromNumber: '89031112233',
      fromE164: '+79031112233',
      answeredAt: null,
      agentExtension: null,
      talkSeconds: 0,
      recordingUrl: null,
    });
    expect(ce.waitSeconds).toBeGreaterThanOrEqual(5);
    expect(ce.waitSeconds).toBeLessThanOrEqual(7);
  });

  it('click-to-call: outbound by Alice to 84951112233, answered, tied to the Originate c2c-1', async () => {
    const saved: CommEventSavedEvent[] = [];
    app.app.get(CallEventsBus).on('comm-event.saved', (e) => saved.push(e));
    const pbx = await replay('click-to-call.ami', 'c2c');
    const [ce] = await completeCalls(app, pbx, 1);
    // other modules learn the row's id from the bus, and can read it by the call's key
    const mine = saved.filter((e) => e.pbxId === pbx);
    expect(mine.map((e) => e.id)).toEqual(mine.map(() => ce.id));
    expect(mine.at(-1)).toMatchObject({ linkedid: ce.linkedid, status: 'complete' });
    expect(await app.app.get(CommEventsService).findByLinkedid(pbx, ce.linkedid)).toMatchObject({
      id: ce.id,
      originateActionId: 'c2c-1',
    });
    expect(ce).toMatchObject({
      direction: 'outbound',
      outcome: 'answered',
      fromNumber: '1001',
      fromE164: null,
      toNumber: '84951112233',
      toE164: '+74951112233',
      agentExtension: '1001',
      queue: null,
    });
    const detail = (await (await app.api(`/api/v1/comm-events/${ce.id}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ originateActionId: 'c2c-1', variables: { CRM_COMM_EVENT: 'ce-42' } });
  });

  it('agi-routed-direct: answered by Carol (1003), no queue, recorded to <uniqueid>.wav', async () => {
    const pbx = await replay('agi-routed-direct.ami', 'agi');
    const [ce] = await completeCalls(app, pbx, 1);
    expect(ce).toMatchObject({
      direction: 'inbound',
      outcome: 'answered',
      fromNumber: '+79161234567',
      queue: null,
      agentExtension: '1003',
    });
    expect(ce.recordingUrl).not.toBeNull();
    const detail = (await (await app.api(`/api/v1/comm-events/${ce.id}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      variables: { CRM_EXTEN: '1003', CRM_CONTACT: 'Ivan Petrov (ACME)' },
      legs: [expect.objectContaining({ extension: '1003', answered: true, queue: null })],
    });
  });

  describe('busy-hour-24-calls: call by call against the README table', () => {
    const TABLE: [caller: string, queue: string, ext: string | null, wait: number, talk: number | null][] = [
      ['+79160000000', 'sales', '1003', 1, 4],
      ['+79160000001', 'support', '1001', 1, 3],
      ['+79160000002', 'support', '1001', 6, 4],
      ['+79160000003', 'sales', '1003', 5, 4],
      ['+79160000004', 'support', '1001', 11, 3],
      ['+79160000005', 'support', null, 6, null],
      ['+79160000006', 'sales', null, 9, null],
      ['+79160000007', 'support', null, 11, null],
      ['+79160000008', 'support', null, 15, null],
      ['+79160000009', 'sales', '1003', 9, 4],
      ['+79160000010', 'support', null, 5, null],
      ['+79160000011', 'support', null, 9, null],
      ['+79160000012', 'sales', null, 12, null],
      ['+79160000013', 'support', '1001', 14, 0],
      ['+79160000014', 'support', '1001', 17, 1],
      ['+79160000015', 'sales', null, 6, null],
      ['+79160000016', 'support', null, 8, null],
      ['+79160000017', 'support', null, 12, null],
      ['+79160000018', 'sales', '1003', 11, 4],
      ['+79160000019', 'support', '1001', 17, 0],
      ['+79160000020', 'support', null, 6, null],
      ['+79160000021', 'sales', null, 9, null],
      ['+79160000022', 'support', null, 11, null],
      ['+79160000023', 'support', null, 15, null],
    ];
    let rows: Awaited<ReturnType<typeof completeCalls>>;

    beforeAll(async () => {
      const pbx = await replay('busy-hour-24-calls.ami', 'busy');
      rows = await completeCalls(app, pbx, 24);
    });

    it('has 24 inbound calls: 10 answered (Alice 6, Carol 4) and 14 abandoned', () => {
      expect(rows.every((r) => r.direction === 'inbound')).toBe(true);
      expect(rows.filter((r) => r.outcome === 'answered')).toHaveLength(10);
      expect(rows.filter((r) => r.outcome === 'abandoned')).toHaveLength(14);
      expect(rows.filter((r) => r.agentExtension === '1001')).toHaveLength(6);
      expect(rows.filter((r) => r.agentExtension === '1003')).toHaveLength(4);
    });

    it.each(TABLE)('%s in %s: agent %s, wait %d, talk %s', (caller, queue, ext, wait, talk) => {
      const ce = rows.find((r) => r.fromNumber === caller);
      expect(ce).toBeDefined();
      expect(ce).toMatchObject({
        queue,
        toNumber: queue === 'sales' ? '74957770000' : '74951234567',
        waitSeconds: wait,
        outcome: ext ? 'answered' : 'abandoned',
        agentExtension: ext,
        talkSeconds: talk ?? 0,
      });
      // support records through its monitor-format; sales has none
      if (ext && queue === 'support')
        expect(ce!.recordingUrl).toBe(`/api/v1/comm-events/${ce!.id}/recording`);
      else expect(ce!.recordingUrl).toBeNull();
    });

    it('filters by number in any format, queue and outcome, and pages with a cursor', async () => {
      const byNational = await app.commEvents('number=89160000003');
      expect(byNational.map((r) => r.fromNumber)).toEqual(['+79160000003']);
      const salesAbandoned = await app.commEvents('queue=sales&outcome=abandoned');
      expect(salesAbandoned.every((r) => r.queue === 'sales' && r.outcome === 'abandoned')).toBe(true);
      expect(salesAbandoned.map((r) => r.fromNumber).sort()).toEqual(
        TABLE.filter(([, q, ext]) => q === 'sales' && !ext).map(([c]) => c),
      );
      // pages of 5, newest first, no call twice, none missing
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await app.api(`/api/v1/comm-events?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        const page = (await res.json()) as {
          items: { id: string; startedAt: string }[];
          nextCursor: string | null;
        };
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      const all = await app.commEvents();
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(all.map((r) => r.id));
      expect(pages).toBe(Math.ceil(all.length / 5));
      const starts = all.map((r) => Date.parse(r.startedAt));
      expect([...starts].sort((a, b) => b - a)).toEqual(starts);
      // dates: the calls all started a moment ago
      const now = Date.now();
      expect(await app.commEvents(`from=${new Date(now + 60_000).toISOString()}`)).toEqual([]);
      expect(await app.commEvents(`to=${new Date(now - 3_600_000).toISOString()}`)).toEqual([]);
      expect(
        await app.commEvents(`from=${new Date(now - 3_600_000).toISOString()}&direction=inbound`),
      ).toHaveLength(
        all.length - 1, // all but the click-to-call
      );
      // a bad cursor is a 400 naming the field
      const bad = await app.api('/api/v1/comm-events?cursor=nonsense');
      expect(bad.status).toBe(400);
    });

    it('documents its routes in the OpenAPI document', async () => {
      const doc = (await (await app.api('/docs-json')).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/comm-events',
          '/api/v1/comm-events/{id}',
          '/api/v1/comm-events/{id}/recording',
          '/api/v1/live/calls',
          '/api/v1/live/queues',
          '/api/v1/live/agents',
        ]),
      );
    });

    it('counts what it wrote on /metrics and reports on /health', async () => {
      const text = await (await app.api('/metrics')).text();
      const complete = /^switchboard_comm_events_written_total\{status="complete"\} (\d+)$/m.exec(text);
      expect(Number(complete?.[1])).toBe(28); // every call of every recording, once complete
      expect(text).toMatch(/^switchboard_comm_event_batch_duration_seconds_count\{outcome="ok"\} [1-9]/m);
      expect(text).toMatch(/^switchboard_comm_event_backlog\{where="journal"\} 0$/m);
      const h = (await (await fetch(`${app.url}/health`)).json()) as { components: Record<string, unknown> };
      expect(h.components['comm-events']).toMatchObject({
        status: 'up',
        pending: 0,
        journaled: 0,
        failures: 0,
      });
    });

    it('shows the live model emptied after the calls: no live call, queues with nobody waiting', async () => {
      await until('no live call', async () =>
        ((await (await app.api('/api/v1/live/calls')).json()) as unknown[]).length === 0 ? true : undefined,
      );
      const queues = (await (await app.api('/api/v1/live/queues')).json()) as {
        queue: string;
        callersWaiting: number;
      }[];
      expect(queues.map((q) => q.queue)).toEqual(expect.arrayContaining(['support', 'sales']));
      expect(queues.every((q) => q.callersWaiting === 0)).toBe(true);
      const agents = (await (await app.api('/api/v1/live/agents')).json()) as {
        extension: string;
        queues: unknown[];
      }[];
      expect(agents.map((a) => a.extension)).toEqual(expect.arrayContaining(['1001', '1002', '1003']));
    });
  });
});

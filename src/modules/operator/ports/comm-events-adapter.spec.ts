import { CallEventsBus } from '../../calls/call-events.bus.js';
import type { CommEventsService } from '../../calls/comm-events/comm-events.service.js';
import { CommEventsOperatorAdapter } from './comm-events-adapter.js';

/** The CommEvents already written, as findByLinkedid sees them; counts the lookups. */
function history(rows: Record<string, string> = {}) {
  const calls: string[] = [];
  const service = {
    findByLinkedid: (pbxId: string, linkedid: string) => {
      calls.push(linkedid);
      const id = rows[`${pbxId}/${linkedid}`];
      return Promise.resolve(id ? { id } : undefined);
    },
  } as unknown as CommEventsService;
  return { service, calls, rows };
}

const saved = (bus: CallEventsBus, pbxId: string, linkedid: string, id: string) =>
  bus.emit('comm-event.saved', { pbxId, linkedid, id, status: 'complete' });

describe('CommEventsOperatorAdapter.idOf (event-driven)', () => {
  let bus: CallEventsBus;
  let adapter: CommEventsOperatorAdapter | undefined;
  beforeEach(() => {
    bus = new CallEventsBus();
  });
  afterEach(() => adapter?.close());

  it('finds with one lookup, after the wait, a row written before it listened (a takeover)', async () => {
    const h = history({ 'pbx1/L1': 'ce-1' });
    adapter = new CommEventsOperatorAdapter(h.service, bus);
    expect(await adapter.idOf({ pbxId: 'pbx1', linkedid: 'L1', number: null }, 50)).toBe('ce-1');
    expect(h.calls).toEqual(['L1']);
    expect(adapter.pending).toBe(0);
  });

  it('answers from comm-event.saved for that PBX and Linkedid, without polling', async () => {
    const h = history();
    adapter = new CommEventsOperatorAdapter(h.service, bus);
    const a = adapter.idOf({ pbxId: 'pbx1', linkedid: 'L2', number: '+100' }, 3_000);
    const b = adapter.idOf({ pbxId: 'pbx1', linkedid: 'L2', number: '+100' }, 3_000);
    await new Promise((r) => setTimeout(r, 250));
    expect(adapter.pending).toBe(2);
    saved(bus, 'pbx2', 'L2', 'other-pbx'); // same Linkedid, another PBX: not this call
    saved(bus, 'pbx1', 'L3', 'other-call');
    expect(adapter.pending).toBe(2);
    saved(bus, 'pbx1', 'L2', 'ce-2');
    expect(await a).toBe('ce-2');
    expect(await b).toBe('ce-2');
    expect(h.calls).toEqual([]); // the event answered: no lookup at all
    expect(adapter.pending).toBe(0);
  });

  it('needs no lookup for a call whose row it saw saved (rows are first saved when calls start)', async () => {
    const h = history();
    adapter = new CommEventsOperatorAdapter(h.service, bus);
    saved(bus, 'pbx1', 'L5', 'ce-5');
    expect(await adapter.idOf({ pbxId: 'pbx1', linkedid: 'L5', number: null }, 3_000)).toBe('ce-5');
    expect(await adapter.idOf({ pbxId: 'pbx2', linkedid: 'L5', number: null }, 0)).toBeNull();
    expect(h.calls).toEqual(['L5']); // only the other PBX's call was looked up
  });

  it('answers null after waitMs and forgets the waiter', async () => {
    const h = history();
    adapter = new CommEventsOperatorAdapter(h.service, bus);
    const started = Date.now();
    expect(await adapter.idOf({ pbxId: 'pbx1', linkedid: 'L4', number: null }, 150)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(adapter.pending).toBe(0);
    expect(h.calls).toEqual(['L4']);
    saved(bus, 'pbx1', 'L4', 'late'); // nobody waits any more
    expect(adapter.pending).toBe(0);
  });

  it('keeps at most maxWaiters; past it a call gets only the lookup', async () => {
    const h = history({ 'pbx1/known': 'ce-known' });
    adapter = new CommEventsOperatorAdapter(h.service, bus, 2);
    const waiting = [
      adapter.idOf({ pbxId: 'pbx1', linkedid: 'W1', number: null }, 5_000),
      adapter.idOf({ pbxId: 'pbx1', linkedid: 'W2', number: null }, 5_000),
    ];
    expect(adapter.pending).toBe(2);
    expect(await adapter.idOf({ pbxId: 'pbx1', linkedid: 'W3', number: null }, 5_000)).toBeNull();
    expect(await adapter.idOf({ pbxId: 'pbx1', linkedid: 'known', number: null }, 5_000)).toBe('ce-known');
    expect(adapter.pending).toBe(2);
    saved(bus, 'pbx1', 'W1', 'ce-w1');
    expect(await waiting[0]).toBe('ce-w1');
    expect(adapter.pending).toBe(1);
    adapter.close(); // shutdown: the rest answer null, the bus listener goes
    expect(await waiting[1]).toBeNull();
    expect(bus.listenerCount('comm-event.saved')).toBe(0);
  });
});

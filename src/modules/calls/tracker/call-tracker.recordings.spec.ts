/**
 * The call tracker driven by every real Asterisk 22 recording in test/fixtures/asterisk-22, parsed with the
 * real AMI parser, checked against the facts the fixtures README lists.
 *
 * The recordings hold no arrival times, so the clock is rebuilt from Asterisk's own clocks in the bytes:
 * a Newchannel happens at its Uniqueid's epoch second, a channel's Hangup at its CDR EndTime, its answer
 * (Newstate Up) at its CDR AnswerTime, a Cdr event at its EndTime; events in between are interpolated.
 * Whole-second truncation makes that clock good to about a second.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import { AmiParser } from '../../../protocol/ami/ami-parser.js';
import { CallTracker, VANISHED_NOTE } from './call-tracker.js';
import type { AgentLeg, CallRecord, QueueMemberState, TrackerEvent } from './call-tracker.types.js';

const FIXTURES = join(import.meta.dirname, '../../../../test/fixtures/asterisk-22');
const RECORDINGS = [
  'inbound-queue-answered.ami',
  'inbound-queue-abandoned.ami',
  'click-to-call.ami',
  'queue-admin.ami',
  'login-failed.ami',
  'agi-routed-direct.ami',
  'busy-hour-24-calls.ami',
] as const;

function h(msg: AmiMessage, key: string): string | undefined {
  const v = msg.headers[key];
  return Array.isArray(v) ? v[0] : v;
}

function parseRecording(file: string): AmiMessage[] {
  const messages: AmiMessage[] = [];
  const parser = new AmiParser((m) => messages.push(m), {
    onError: (err) => {
      throw err;
    },
  });
  parser.push(readFileSync(join(FIXTURES, file)));
  return messages;
}

/** `2026-11-22 20:54:49` (CDR times, UTC on the lab PBX) -> epoch ms. */
function cdrTime(s: string | undefined): number | null {
  return s === undefined || s.length === 0 ? null : Date.parse(`${s.replace(' ', 'T')}Z`);
}

/** Arrival time (epoch ms) of every message, rebuilt from Uniqueid epochs and CDR times (see top of file). */
function recordingClock(messages: AmiMessage[]): number[] {
  const answerOf = new Map<string, number>();
  const endOf = new Map<string, number>();
  for (const m of messages) {
    if (h(m, 'event') !== 'Cdr') continue;
    const uid = h(m, 'uniqueid') ?? '';
    const answer = cdrTime(h(m, 'answertime'));
    const end = cdrTime(h(m, 'endtime'));
    if (answer !== null && answer < (answerOf.get(uid) ?? Infinity)) answerOf.set(uid, answer);
    if (end !== null && end > (endOf.get(uid) ?? -Infinity)) endOf.set(uid, end);
  }
  const anchors: { i: number; t: number }[] = [];
  messages.forEach((m, i) => {
    const uid = h(m, 'uniqueid') ?? '';
    let t: number | null | undefined;
    switch (h(m, 'event')) {
      case 'Newchannel':
        t = Number(uid.split('.')[0]) * 1000;
        break;
      case 'Hangup':
        t = endOf.get(uid);
        break;
      case 'Newstate':
        t = h(m, 'channelstate') === '6' ? answerOf.get(uid) : undefined;
        break;
      case 'Cdr':
        t = cdrTime(h(m, 'endtime'));
        break;
    }
    // Keep the clock monotonic: an anchor earlier than the previous one is dropped.
    if (t !== null && t !== undefined && (anchors.length === 0 || t >= anchors[anchors.length - 1].t)) {
      anchors.push({ i, t });
    }
  });
  const base = Date.parse('2026-11-22T20:00:00Z');
  if (anchors.length === 0) return messages.map((_, i) => base + i);
  const times: number[] = [];
  let k = 0;
  for (let i = 0; i < messages.length; i++) {
    while (k < anchors.length && anchors[k].i < i) k++;
    const next = anchors[k];
    const prev = anchors[k - 1];
    if (next !== undefined && next.i === i) times.push(next.t);
    else if (prev === undefined) times.push(next.t - (next.i - i));
    else if (next === undefined) times.push(prev.t + (i - prev.i));
    else times.push(prev.t + ((next.t - prev.t) * (i - prev.i)) / (next.i - prev.i));
  }
  return times;
}

interface Replay {
  tracker: CallTracker;
  events: TrackerEvent[];
  records: CallRecord[];
  /** The events each message produced, by message index. */
  perMessage: TrackerEvent[][];
  messages: AmiMessage[];
  times: number[];
}

function replay(file: string, upTo?: number): Replay {
  const messages = parseRecording(file);
  const times = recordingClock(messages);
  const tracker = new CallTracker({ pbxId: 'lab' });
  const events: TrackerEvent[] = [];
  const perMessage: TrackerEvent[][] = [];
  const end = upTo ?? messages.length;
  for (let i = 0; i < end; i++) {
    const out = tracker.handle(messages[i], new Date(times[i]));
    perMessage.push(out);
    events.push(...out);
  }
  const records = events.flatMap((e) => (e.type === 'call.ended' ? [e.record] : []));
  return { tracker, events, records, perMessage, messages, times };
}

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0];
}

/** The epoch (ms) encoded in an Asterisk Uniqueid, `1795380887.0` -> 1795380887000. */
function uniqueidEpoch(uid: string): number {
  return Number(uid.split('.')[0]) * 1000;
}

function legSummary(legs: readonly AgentLeg[]): string[] {
  return legs.map((l) => `${l.extension}:${l.answered ? 'answered' : l.reason}`);
}

describe('CallTracker on the Asterisk 22 recordings', () => {
  describe.each(RECORDINGS)('%s: invariants', (file) => {
    const r = replay(file);

    it('ends every call it started exactly once, and nothing stays open', () => {
      const started = r.events.flatMap((e) => (e.type === 'call.started' ? [e.call.linkedid] : []));
      const ended = r.records.map((rec) => rec.linkedid);
      expect(new Set(ended).size).toBe(ended.length);
      expect([...ended].sort()).toEqual([...started].sort());
      expect(r.tracker.liveCalls()).toEqual([]);
      expect(r.events.filter((e) => e.type === 'tracker.warning')).toEqual([]);
    });

    it('closes every agent offer exactly once, by an answer or an offer-ended', () => {
      const offered = r.events.flatMap((e) => (e.type === 'call.offered' ? [e.leg.uniqueid] : []));
      const closed = r.events.flatMap((e) =>
        e.type === 'call.offer-ended' || e.type === 'call.answered' ? [e.leg.uniqueid] : [],
      );
      expect([...closed].sort()).toEqual([...offered].sort());
      for (const rec of r.records) {
        for (const leg of rec.legs) {
          expect(leg.endedAt).not.toBeNull();
          expect(leg.reason).not.toBeNull();
        }
      }
    });

    it('gives identical records when the same bytes are fed to a fresh tracker', () => {
      expect(replay(file).records).toEqual(r.records);
    });
  });

  it('inbound-queue-answered: one inbound call, queue support, answered by Alice (1001); Bob’s ring is a leg', () => {
    const r = replay('inbound-queue-answered.ami');
    const rec = only(r.records);
    expect(rec).toMatchObject({
      pbx: 'lab',
      linkedid: '1795380887.0',
      direction: 'inbound',
      status: 'complete',
      outcome: 'answered',
      fromNumber: '+79161234567',
      fromName: 'Ivan Petrov',
      toNumber: '74951234567',
      queue: 'support',
      agentExtension: '1001',
      agentInterface: 'Local/1001@phones/n',
      agentName: 'Alice Agent',
      waitSeconds: 1, // AgentConnect/AgentComplete HoldTime
      talkSeconds: 3, // AgentComplete TalkTime
      hangupCause: 16,
      hangupCauseText: 'Normal Clearing',
      recordingPath: '/var/spool/asterisk/monitor/1795380887.1.wav',
      originateActionId: 'orig-1', // the lab placed the customer's call with an Originate
      transfers: [],
      variables: {},
      note: null,
    });
    expect(rec.startedAt.getTime()).toBe(uniqueidEpoch(rec.linkedid));
    expect(rec.answeredAt).not.toBeNull();
    expect(rec.endedAt.getTime()).toBe(Date.parse('2026-11-22T20:54:53Z')); // the last channel's CDR EndTime
    expect(legSummary(rec.legs)).toEqual(['1002:answered-elsewhere', '1001:answered']);
    const [bob, alice] = rec.legs;
    expect(bob).toMatchObject({
      memberName: 'Bob Agent',
      queue: 'support',
      interface: 'Local/1002@phones/n',
    });
    expect(alice).toMatchObject({ memberName: 'Alice Agent', channel: 'Local/1001@phones-00000002;1' });
    expect(alice.ringSeconds).toBe(1); // AgentConnect RingTime

    const callEvents = r.events.filter((e) => e.type.startsWith('call.')).map((e) => e.type);
    expect(callEvents).toEqual([
      'call.started',
      'call.queued',
      'call.offered',
      'call.offered',
      'call.answered',
      'call.offer-ended',
      'call.ended',
    ]);
    const queued = r.events.find((e) => e.type === 'call.queued');
    expect(queued).toMatchObject({ queue: 'support', position: 1, call: { fromNumber: '+79161234567' } });
    const bobEnded = r.events.find((e) => e.type === 'call.offer-ended');
    expect(bobEnded).toMatchObject({ reason: 'answered-elsewhere', leg: { extension: '1002' } });
    const answered = r.events.find((e) => e.type === 'call.answered');
    expect(answered).toMatchObject({ leg: { extension: '1001' }, call: { status: 'in_progress' } });

    const alicePresence = r.events.flatMap((e) =>
      e.type === 'extension.state' && e.ext.extension === '1001' ? [e.ext.status] : [],
    );
    expect(alicePresence).toEqual(['ringing', 'in_use', 'not_in_use']);
    const aliceMember = r.tracker.queueMembers().find((m) => m.interface === 'Local/1001@phones/n');
    expect(aliceMember).toMatchObject({ queue: 'support', extension: '1001', callsTaken: 1, inCall: false });
    expect(r.tracker.queues().find((q) => q.queue === 'support')).toMatchObject({ callersWaiting: 0 });
  });

  it('inbound-queue-abandoned: abandoned in support after about 6 s, never answered', () => {
    const r = replay('inbound-queue-abandoned.ami');
    const rec = only(r.records);
    expect(rec).toMatchObject({
      direction: 'inbound',
      outcome: 'abandoned',
      fromNumber: '89031112233',
      fromName: 'Olga Smirnova',
      toNumber: '74951234567',
      queue: 'support',
      answeredAt: null,
      agentExtension: null,
      waitSeconds: 6, // QueueCallerAbandon HoldTime
      talkSeconds: 0,
      recordingPath: null,
    });
    // Alice's phone was offered three times (queue retry) and never answered: legs, not three missed calls.
    expect(legSummary(rec.legs)).toEqual(['1001:no-answer', '1001:no-answer', '1001:no-answer']);
    expect(rec.legs.map((l) => l.ringSeconds)).toEqual([1, 1, 1]); // AgentRingNoAnswer RingTime 1000 ms
    const waits = r.events.flatMap((e) => (e.type === 'queue.stats' ? [e.queue.callersWaiting] : []));
    expect(waits[0]).toBe(1);
    expect(waits[waits.length - 1]).toBe(0);
  });

  it('click-to-call: one outbound call by Alice to 84951112233, answered, about 3 s of talk, tied to c2c-1', () => {
    const r = replay('click-to-call.ami');
    const rec = only(r.records);
    expect(rec).toMatchObject({
      direction: 'outbound',
      outcome: 'answered',
      fromNumber: '1001',
      toNumber: '84951112233',
      agentExtension: '1001',
      queue: null,
      originateActionId: 'c2c-1',
      variables: { CRM_COMM_EVENT: 'ce-42' },
    });
    // No Asterisk figure exists for a call without a queue: this is the clock (CDR: answered :56, ended :59).
    expect(rec.talkSeconds).toBe(3);
    expect(legSummary(rec.legs)).toEqual(['1001:answered']);
    // The originate ActionID is known by the time the call ends; the live call knew the CRM id even earlier.
    const offered = r.events.find((e) => e.type === 'call.offered');
    expect(offered).toMatchObject({ call: { variables: { CRM_COMM_EVENT: 'ce-42' } } });
  });

  it('agi-routed-direct: answered by Carol (1003) directly, no queue, recorded to <uniqueid>.wav', () => {
    const r = replay('agi-routed-direct.ami');
    const rec = only(r.records);
    // The channel that ran MixMonitor(${UNIQUEID}.wav) is the `incoming` side, ;2.
    const incoming = r.messages.find(
      (m) =>
        h(m, 'event') === 'Newchannel' && h(m, 'channel')?.endsWith(';2') && h(m, 'context') === 'incoming',
    );
    const uid = h(incoming!, 'uniqueid');
    expect(rec).toMatchObject({
      direction: 'inbound',
      outcome: 'answered',
      fromNumber: '+79161234567',
      toNumber: '74951234567',
      queue: null,
      agentExtension: '1003',
      agentInterface: 'Local/1003@phones',
      recordingPath: `/var/spool/asterisk/monitor/${uid}.wav`,
      variables: { CRM_EXTEN: '1003', CRM_CONTACT: 'Ivan Petrov (ACME)' },
      originateActionId: 'orig-7',
    });
    expect(uid).toBe('1795381061.21');
    expect(legSummary(rec.legs)).toEqual(['1003:answered']);
    expect(rec.legs[0].queue).toBeNull();
    expect(rec.waitSeconds).toBeGreaterThanOrEqual(0);
    expect(rec.talkSeconds).toBeGreaterThanOrEqual(3);
    expect(rec.talkSeconds).toBeLessThanOrEqual(5);
  });

  describe('busy-hour-24-calls: call by call against the README table', () => {
    // Caller, queue, outcome with hold and talk as Asterisk reported them (fixtures README).
    const TABLE: [caller: string, queue: string, agent: string | null, wait: number, talk: number | null][] =
      [
        ['+79160000000', 'sales', 'Carol Agent', 1, 4],
        ['+79160000001', 'support', 'Alice Agent', 1, 3],
        ['+79160000002', 'support', 'Alice Agent', 6, 4],
        ['+79160000003', 'sales', 'Carol Agent', 5, 4],
        ['+79160000004', 'support', 'Alice Agent', 11, 3],
        ['+79160000005', 'support', null, 6, null],
        ['+79160000006', 'sales', null, 9, null],
        ['+79160000007', 'support', null, 11, null],
        ['+79160000008', 'support', null, 15, null],
        ['+79160000009', 'sales', 'Carol Agent', 9, 4],
        ['+79160000010', 'support', null, 5, null],
        ['+79160000011', 'support', null, 9, null],
        ['+79160000012', 'sales', null, 12, null],
        ['+79160000013', 'support', 'Alice Agent', 14, 0],
        ['+79160000014', 'support', 'Alice Agent', 17, 1],
        ['+79160000015', 'sales', null, 6, null],
        ['+79160000016', 'support', null, 8, null],
        ['+79160000017', 'support', null, 12, null],
        ['+79160000018', 'sales', 'Carol Agent', 11, 4],
        ['+79160000019', 'support', 'Alice Agent', 17, 0],
        ['+79160000020', 'support', null, 6, null],
        ['+79160000021', 'sales', null, 9, null],
        ['+79160000022', 'support', null, 11, null],
        ['+79160000023', 'support', null, 15, null],
      ];
    const EXTENSION: Record<string, string> = { 'Alice Agent': '1001', 'Carol Agent': '1003' };
    const DID: Record<string, string> = { sales: '74957770000', support: '74951234567' };
    const r = replay('busy-hour-24-calls.ami');
    const byCaller = new Map(r.records.map((rec) => [rec.fromNumber, rec]));

    it('has 24 inbound calls: 10 answered (Alice 6, Carol 4) and 14 abandoned', () => {
      expect(r.records).toHaveLength(24);
      expect(byCaller.size).toBe(24);
      expect(r.records.every((rec) => rec.direction === 'inbound')).toBe(true);
      const count = (f: (rec: CallRecord) => boolean) => r.records.filter(f).length;
      expect(count((rec) => rec.outcome === 'answered')).toBe(10);
      expect(count((rec) => rec.outcome === 'abandoned')).toBe(14);
      expect(count((rec) => rec.agentName === 'Alice Agent')).toBe(6);
      expect(count((rec) => rec.agentName === 'Carol Agent')).toBe(4);
    });

    it.each(TABLE)('%s %s', (caller, queue, agent, wait, talk) => {
      const rec = byCaller.get(caller);
      expect(rec).toBeDefined();
      expect(rec).toMatchObject({ queue, toNumber: DID[queue], waitSeconds: wait });
      if (agent === null) {
        expect(rec).toMatchObject({
          outcome: 'abandoned',
          answeredAt: null,
          agentExtension: null,
          talkSeconds: 0,
        });
        expect(rec!.recordingPath).toBeNull();
        expect(rec!.legs.every((l) => !l.answered)).toBe(true);
      } else {
        expect(rec).toMatchObject({
          outcome: 'answered',
          agentName: agent,
          agentExtension: EXTENSION[agent],
        });
        expect(rec!.talkSeconds).toBe(talk);
        expect(rec!.legs.filter((l) => l.answered).map((l) => l.memberName)).toEqual([agent]);
        // support records through its monitor-format; sales has none.
        if (queue === 'support')
          expect(rec!.recordingPath).toMatch(/^\/var\/spool\/asterisk\/monitor\/\d+\.\d+\.wav$/);
        else expect(rec!.recordingPath).toBeNull();
      }
      expect(rec!.startedAt.getTime()).toBe(uniqueidEpoch(rec!.linkedid));
    });

    it('Bob’s phone rang but never took a call, and his rings are legs of the callers’ calls', () => {
      const bobLegs = r.records.flatMap((rec) => rec.legs.filter((l) => l.extension === '1002'));
      expect(bobLegs.length).toBeGreaterThan(0);
      expect(bobLegs.every((l) => !l.answered)).toBe(true);
      expect(new Set(bobLegs.map((l) => l.reason))).toEqual(
        new Set(['no-answer', 'answered-elsewhere', 'caller-hungup']),
      );
      expect(r.records.some((rec) => rec.agentExtension === '1002')).toBe(false);
      // Callers +79160000007 and +79160000008 hung up while Bob's phone rang (HangupRequest, then CANCEL).
      const hungUpOn = r.records.filter((rec) =>
        rec.legs.some((l) => l.extension === '1002' && l.reason === 'caller-hungup'),
      );
      expect(hungUpOn.map((rec) => [rec.fromNumber, rec.outcome])).toEqual([
        ['+79160000007', 'abandoned'],
        ['+79160000008', 'abandoned'],
      ]);
    });

    it('tracks the queues’ waiting callers up and back down to zero', () => {
      const peak = Math.max(
        ...r.events.flatMap((e) =>
          e.type === 'queue.stats' && e.queue.queue === 'support' ? [e.queue.callersWaiting] : [],
        ),
      );
      expect(peak).toBeGreaterThanOrEqual(10);
      for (const q of r.tracker.queues()) expect(q.callersWaiting).toBe(0);
    });
  });

  it('queue-admin: Dmitry is added, paused for lunch, unpaused, then removed from the members model', () => {
    const messages = parseRecording('queue-admin.ami');
    const tracker = new CallTracker({ pbxId: 'lab' });
    const t0 = Date.parse('2026-11-22T20:57:21Z');
    const dmitry: QueueMemberState[] = [];
    const present: boolean[] = [];
    messages.forEach((m, i) => {
      for (const e of tracker.handle(m, new Date(t0 + i * 10))) {
        if (e.type === 'member.status' && e.member.interface === 'Local/1004@phones/n') {
          dmitry.push(e.member);
          present.push(tracker.queueMembers().some((x) => x.interface === 'Local/1004@phones/n'));
        }
      }
    });
    expect(dmitry.map((m) => [m.loggedIn, m.paused, m.pausedReason])).toEqual([
      [true, false, null], // QueueMemberAdded
      [true, true, 'lunch'], // QueueMemberPause
      [true, false, null], // unpaused
      [false, false, null], // QueueMemberRemoved
    ]);
    expect(present).toEqual([true, true, true, false]);
    expect(dmitry[0]).toMatchObject({
      queue: 'support',
      name: 'Dmitry Agent',
      extension: '1004',
      membership: 'dynamic',
    });
    // The QueueStatus list in the stream filled in the others.
    const members = tracker
      .queueMembers()
      .map((m) => `${m.queue}/${m.extension}/${m.name}`)
      .sort();
    expect(members).toEqual(['sales/1003/Carol Agent', 'support/1001/Alice Agent', 'support/1002/Bob Agent']);
    expect(tracker.queues().find((q) => q.queue === 'support')).toMatchObject({
      strategy: 'ringall',
      completed: 2,
      abandoned: 1,
      callersWaiting: 0,
    });
    // DeviceStateList items: Custom:1002 still RINGING (the lab's old `h` handler never reset it).
    const presence = Object.fromEntries(tracker.extensions().map((x) => [x.extension, x.status]));
    expect(presence).toMatchObject({ '1001': 'in_use', '1002': 'ringing', '1003': 'not_in_use' });
    expect(presence).not.toHaveProperty('h');
  });

  it('login-failed: nothing to track', () => {
    const r = replay('login-failed.ami');
    expect(r.messages.length).toBeGreaterThan(0);
    expect(r.events).toEqual([]);
  });

  describe('applySnapshot after a reconnect', () => {
    /** Replays inbound-queue-answered up to (not including) the first message that matches. */
    function upToFirst(match: (m: AmiMessage) => boolean): Replay {
      return replay(
        'inbound-queue-answered.ami',
        parseRecording('inbound-queue-answered.ami').findIndex(match),
      );
    }

    /** What CoreShowChannels would list at the cut: channels created and not yet hung up. */
    function aliveAtCut(r: Replay): AmiMessage[] {
      const alive = new Set<string>();
      for (const m of r.messages.slice(0, r.perMessage.length)) {
        const uid = h(m, 'uniqueid') ?? '';
        if (h(m, 'event') === 'Newchannel') alive.add(uid);
        if (h(m, 'event') === 'Hangup') alive.delete(uid);
      }
      return [...alive].map(coreShowChannel);
    }

    function coreShowChannel(uniqueid: string): AmiMessage {
      return { type: 'event', headers: { event: 'CoreShowChannel', uniqueid, actionid: 'csc-1' } };
    }

    it('closes a call none of whose channels is listed any more, once, with a note', () => {
      const r = upToFirst((m) => h(m, 'event') === 'AgentConnect'); // Alice has answered, Bob's leg is over
      expect(r.tracker.liveCalls()).toHaveLength(1);
      const at = new Date(r.times[r.perMessage.length] + 60_000);
      const out = r.tracker.applySnapshot({ queueStatus: [], channels: [], extensionStates: [] }, at);
      const ended = only(out.filter((e) => e.type === 'call.ended'));
      expect(ended.record).toMatchObject({
        linkedid: '1795380887.0',
        note: VANISHED_NOTE,
        outcome: 'answered',
        agentExtension: '1001',
        queue: 'support',
        hangupCause: null,
      });
      expect(ended.record.endedAt).toEqual(at);
      expect(r.tracker.liveCalls()).toEqual([]);
      // The rest of the recording now concerns an unknown call: no second call.ended.
      const later = r.messages.slice(r.perMessage.length).flatMap((m) => r.tracker.handle(m, at));
      expect(later.filter((e) => e.type.startsWith('call.'))).toEqual([]);
    });

    it('closes ringing offers of a vanished call', () => {
      // Both agents' phones ring.
      const r = upToFirst(
        (m) => h(m, 'event') === 'DialEnd' && h(m, 'destchannel')!.startsWith('Local/1001'),
      );
      const out = r.tracker.applySnapshot(
        { queueStatus: [], channels: [], extensionStates: [] },
        new Date(r.times[r.perMessage.length]),
      );
      const offerEnds = out.flatMap((e) => (e.type === 'call.offer-ended' ? [e.leg.extension] : []));
      expect(offerEnds.sort()).toEqual(['1001', '1002']);
      expect(only(out.filter((e) => e.type === 'call.ended')).record.outcome).toBe('missed');
    });

    it('keeps a call whose channels are still listed and carries on with it', () => {
      const r = upToFirst((m) => h(m, 'event') === 'AgentConnect');
      const channels = aliveAtCut(r);
      expect(channels.length).toBeGreaterThan(0);
      const out = r.tracker.applySnapshot(
        { queueStatus: [], channels, extensionStates: [] },
        new Date(r.times[r.perMessage.length]),
      );
      expect(out.filter((e) => e.type === 'call.ended')).toEqual([]);
      expect(r.tracker.liveCalls()).toHaveLength(1);
      const rest = r.messages
        .slice(r.perMessage.length)
        .flatMap((m, k) => r.tracker.handle(m, new Date(r.times[r.perMessage.length + k])));
      expect(only(rest.filter((e) => e.type === 'call.ended')).record).toMatchObject({
        outcome: 'answered',
        note: null,
        talkSeconds: 3,
      });
    });

    it('rebuilds members and queues from a QueueStatus list', () => {
      const admin = parseRecording('queue-admin.ami');
      const queueStatus = admin.filter((m) => h(m, 'actionid') === 'qs-1' && m.type === 'event');
      const extensionStates = admin.filter((m) => h(m, 'actionid') === 'dsl-1' && m.type === 'event');
      const tracker = new CallTracker({ pbxId: 'lab' });
      // A member known from before the link went down, no longer in the queue.
      tracker.handle(
        {
          type: 'event',
          headers: {
            event: 'QueueMemberAdded',
            queue: 'support',
            interface: 'Local/1009@phones/n',
            membername: 'Gone',
          },
        },
        new Date(0),
      );
      const out = tracker.applySnapshot({ queueStatus, channels: [], extensionStates }, new Date(1_000));
      const gone = out.find(
        (e) => e.type === 'member.status' && e.member.interface === 'Local/1009@phones/n',
      );
      expect(gone).toMatchObject({ member: { loggedIn: false } });
      const members = Object.fromEntries(tracker.queueMembers().map((m) => [`${m.queue}/${m.extension}`, m]));
      expect(Object.keys(members).sort()).toEqual([
        'sales/1003',
        'support/1001',
        'support/1002',
        'support/1004',
      ]);
      expect(members['support/1004']).toMatchObject({
        paused: true,
        pausedReason: 'lunch',
        name: 'Dmitry Agent',
      });
      expect(members['support/1001']).toMatchObject({ callsTaken: 2, status: 'in_use' });
      expect(
        tracker
          .queues()
          .map((q) => q.queue)
          .sort(),
      ).toEqual(['sales', 'support']);
      expect(out.filter((e) => e.type === 'queue.stats')).toHaveLength(2);
    });
  });
});

/**
 * The call tracker on hand-built AMI events: what the recordings do not contain (trunks, transfers,
 * direct-dial misses) and its bounds. Header names and values follow Asterisk 22's manager docs.
 */
import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import { CallTracker, EVICTED_NOTE } from './call-tracker.js';
import { type CallRecord, type TrackerEvent, TrackerWarningCode } from './call-tracker.types.js';

function ev(event: string, fields: Record<string, string> = {}): AmiMessage {
  const headers: Record<string, string> = { event: event };
  for (const [k, v] of Object.entries(fields)) headers[k.toLowerCase()] = v;
  return { type: 'event', headers };
}

/** Feeds events one second apart from 12:00:00 UTC; returns every event and the records. */
class Script {
  readonly tracker: CallTracker;
  readonly events: TrackerEvent[] = [];
  private t = Date.parse('2026-11-23T12:00:00Z');

  constructor(maxCalls?: number) {
    this.tracker = new CallTracker({ pbxId: 'pbx-1', maxCalls });
  }

  feed(...messages: AmiMessage[]): TrackerEvent[] {
    const out: TrackerEvent[] = [];
    for (const m of messages) {
      out.push(...this.tracker.handle(m, new Date(this.t)));
      this.t += 1000;
    }
    this.events.push(...out);
    return out;
  }

  wait(seconds: number): void {
    this.t += seconds * 1000;
  }

  records(): CallRecord[] {
    return this.events.flatMap((e) => (e.type === 'call.ended' ? [e.record] : []));
  }
}

function newchannel(channel: string, uniqueid: string, linkedid: string, extra: Record<string, string> = {}) {
  return ev('Newchannel', { Channel: channel, Uniqueid: uniqueid, Linkedid: linkedid, ...extra });
}

function hangup(channel: string, uniqueid: string, cause = '16', text = 'Normal Clearing') {
  return ev('Hangup', { Channel: channel, Uniqueid: uniqueid, Cause: cause, 'Cause-txt': text });
}

function dial(kind: 'DialBegin' | 'DialEnd', from: [string, string], to: [string, string], extra = {}) {
  return ev(kind, { Channel: from[0], Uniqueid: from[1], DestChannel: to[0], DestUniqueid: to[1], ...extra });
}

const PHONE_1001: [string, string] = ['PJSIP/1001-00000001', '500.1'];
const TRUNK: [string, string] = ['PJSIP/provider-00000002', '500.2'];
const PHONE_1002: [string, string] = ['PJSIP/1002-00000003', '500.3'];
const CUSTOMER: [string, string] = ['PJSIP/provider-00000010', '600.10'];

describe('CallTracker', () => {
  describe('outbound and internal calls', () => {
    it('an agent dialling a number through a trunk: outbound, answered when the far end answers', () => {
      const s = new Script();
      s.feed(
        newchannel(...PHONE_1001, '500.1', {
          Exten: '84951112233',
          CallerIDNum: '1001',
          Context: 'from-internal',
        }),
        newchannel(...TRUNK, '500.1'),
        dial('DialBegin', PHONE_1001, TRUNK, { DialString: 'provider/84951112233' }),
      );
      s.wait(5);
      const answered = s.feed(dial('DialEnd', PHONE_1001, TRUNK, { DialStatus: 'ANSWER' }));
      expect(answered).toMatchObject([{ type: 'call.answered', leg: { extension: '1001' } }]);
      s.wait(40);
      s.feed(hangup(...TRUNK), hangup(...PHONE_1001));
      const rec = s.records()[0];
      expect(rec).toMatchObject({
        direction: 'outbound',
        outcome: 'answered',
        fromNumber: '1001',
        toNumber: '84951112233',
        agentExtension: '1001',
        agentInterface: 'PJSIP/1001',
        legs: [],
        waitSeconds: 8,
        talkSeconds: 42,
        hangupCause: 16,
      });
    });

    it('a busy far end: outcome busy, never answered', () => {
      const s = new Script();
      s.feed(
        newchannel(...PHONE_1001, '500.1', { Exten: '84951112233' }),
        newchannel(...TRUNK, '500.1'),
        dial('DialBegin', PHONE_1001, TRUNK, { DialString: 'provider/84951112233' }),
        dial('DialEnd', PHONE_1001, TRUNK, { DialStatus: 'BUSY' }),
        hangup(...TRUNK, '17', 'User busy'),
        hangup(...PHONE_1001),
      );
      expect(s.records()).toMatchObject([
        { direction: 'outbound', outcome: 'busy', answeredAt: null, talkSeconds: 0, agentExtension: '1001' },
      ]);
    });

    it('agent to agent: internal, with the callee as an answered leg', () => {
      const s = new Script();
      s.feed(
        newchannel(...PHONE_1001, '500.1', { Exten: '1002', CallerIDNum: '1001' }),
        newchannel(...PHONE_1002, '500.1'),
        dial('DialBegin', PHONE_1001, PHONE_1002, { DialString: 'PJSIP/1002' }),
        dial('DialEnd', PHONE_1001, PHONE_1002, { DialStatus: 'ANSWER' }),
        hangup(...PHONE_1002),
        hangup(...PHONE_1001),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({
        direction: 'internal',
        outcome: 'answered',
        toNumber: '1002',
        agentExtension: '1002',
      });
      expect(rec.legs.map((l) => [l.extension, l.interface, l.answered])).toEqual([
        ['1002', 'PJSIP/1002', true],
      ]);
    });

    it('agent to agent, not answered: internal no_answer', () => {
      const s = new Script();
      s.feed(
        newchannel(...PHONE_1001, '500.1', { Exten: '1002' }),
        newchannel(...PHONE_1002, '500.1'),
        dial('DialBegin', PHONE_1001, PHONE_1002),
        dial('DialEnd', PHONE_1001, PHONE_1002, { DialStatus: 'NOANSWER' }),
        hangup(...PHONE_1002, '19', 'No answer'),
        hangup(...PHONE_1001),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({ direction: 'internal', outcome: 'no_answer', answeredAt: null });
      expect(rec.legs.map((l) => l.reason)).toEqual(['no-answer']);
    });
  });

  describe('queue members behind Local channels that dial real phones', () => {
    // FreePBX-style members `Local/1001@from-queue/n`: each Local `;2` dials the agent's PJSIP device.
    function member(ext: string, n: number) {
      return {
        one: [`Local/${ext}@from-queue-0000000${n};1`, `600.${n}1`] as [string, string],
        two: [`Local/${ext}@from-queue-0000000${n};2`, `600.${n}2`] as [string, string],
        phone: [`PJSIP/${ext}-0000000${n}`, `600.${n}3`] as [string, string],
      };
    }
    function ring(s: Script, ext: string, n: number, name: string) {
      const m = member(ext, n);
      s.feed(
        newchannel(...m.one, CUSTOMER[1]),
        newchannel(...m.two, CUSTOMER[1]),
        ev('LocalBridge', { LocalOneUniqueid: m.one[1], LocalTwoUniqueid: m.two[1] }),
        ev('AgentCalled', {
          Uniqueid: CUSTOMER[1],
          DestChannel: m.one[0],
          DestUniqueid: m.one[1],
          Queue: 'support',
          Interface: `Local/${ext}@from-queue/n`,
          MemberName: name,
        }),
        dial('DialBegin', CUSTOMER, m.one),
        newchannel(...m.phone, CUSTOMER[1]),
        dial('DialBegin', m.two, m.phone),
      );
      return m;
    }

    it('is one offer per agent, answered on the device, and a losing agent is answered-elsewhere', () => {
      const s = new Script();
      s.feed(
        newchannel(...CUSTOMER, CUSTOMER[1], { Exten: '74951234567', CallerIDNum: '+79161234567' }),
        ev('QueueCallerJoin', { Uniqueid: CUSTOMER[1], Queue: 'support', Position: '1' }),
      );
      const alice = ring(s, '1001', 1, 'Alice Agent');
      const bob = ring(s, '1002', 2, 'Bob Agent');
      expect(s.events.filter((e) => e.type === 'call.offered')).toHaveLength(2);
      s.feed(
        dial('DialEnd', alice.two, alice.phone, { DialStatus: 'ANSWER' }),
        dial('DialEnd', CUSTOMER, alice.one, { DialStatus: 'ANSWER' }),
        dial('DialEnd', CUSTOMER, bob.one, { DialStatus: 'CANCEL' }),
        dial('DialEnd', bob.two, bob.phone, { DialStatus: 'CANCEL' }),
        hangup(...bob.phone, '26', 'Answered elsewhere'),
        hangup(...bob.two),
        hangup(...bob.one),
        ev('AgentConnect', {
          Uniqueid: CUSTOMER[1],
          DestUniqueid: alice.one[1],
          Queue: 'support',
          HoldTime: '9',
        }),
        ev('AgentComplete', { Uniqueid: CUSTOMER[1], Queue: 'support', HoldTime: '9', TalkTime: '60' }),
        hangup(...alice.phone),
        hangup(...alice.two),
        hangup(...alice.one),
        hangup(...CUSTOMER),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({
        outcome: 'answered',
        agentExtension: '1001',
        agentInterface: 'Local/1001@from-queue/n',
        waitSeconds: 9,
        talkSeconds: 60,
      });
      expect(rec.legs.map((l) => `${l.extension}:${l.reason}`)).toEqual([
        '1001:answered',
        '1002:answered-elsewhere',
      ]);
      expect(s.events.filter((e) => e.type === 'call.answered')).toHaveLength(1);
    });
  });

  describe('click-to-call through a trunk', () => {
    it('the agent picks up but the far end does not: no_answer, tied to the Originate', () => {
      const s = new Script();
      s.feed(
        newchannel(...PHONE_1001, PHONE_1001[1], { Exten: '1001', CallerIDNum: '1001' }),
        ev('DialBegin', { DestChannel: PHONE_1001[0], DestUniqueid: PHONE_1001[1], DialString: '1001' }),
        ev('DialEnd', { DestChannel: PHONE_1001[0], DestUniqueid: PHONE_1001[1], DialStatus: 'ANSWER' }),
        ev('OriginateResponse', {
          ActionID: 'c2c-9',
          Response: 'Success',
          Channel: PHONE_1001[0],
          Context: 'outbound',
          Exten: '84951112233',
          Reason: '4',
          Uniqueid: PHONE_1001[1],
        }),
        newchannel(...TRUNK, PHONE_1001[1]),
        dial('DialBegin', PHONE_1001, TRUNK, { DialString: 'provider/84951112233' }),
        dial('DialEnd', PHONE_1001, TRUNK, { DialStatus: 'NOANSWER' }),
        hangup(...TRUNK, '19'),
        hangup(...PHONE_1001),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({
        direction: 'outbound',
        outcome: 'no_answer',
        answeredAt: null,
        talkSeconds: 0,
        fromNumber: '1001',
        toNumber: '84951112233',
        agentExtension: '1001',
        originateActionId: 'c2c-9',
      });
      expect(rec.legs.map((l) => `${l.extension}:${l.reason}`)).toEqual(['1001:answered']);
    });
  });

  describe('inbound calls without a queue', () => {
    it('a direct Dial nobody answers, the caller gives up: missed, the leg ends caller-hungup', () => {
      const s = new Script();
      s.feed(
        newchannel(...CUSTOMER, '600.10', { Exten: '74951234567', CallerIDNum: '+79161234567' }),
        newchannel(...PHONE_1001, '600.10'),
        dial('DialBegin', CUSTOMER, PHONE_1001),
        ev('HangupRequest', { Channel: CUSTOMER[0], Uniqueid: CUSTOMER[1] }),
        dial('DialEnd', CUSTOMER, PHONE_1001, { DialStatus: 'CANCEL' }),
        hangup(...PHONE_1001, '16'),
        hangup(...CUSTOMER),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({
        direction: 'inbound',
        outcome: 'missed',
        fromNumber: '+79161234567',
        toNumber: '74951234567',
      });
      expect(rec.legs.map((l) => [l.extension, l.reason])).toEqual([['1001', 'caller-hungup']]);
    });

    it('a caller who hangs up before reaching anyone (IVR): abandoned, no legs', () => {
      const s = new Script();
      s.feed(newchannel(...CUSTOMER, '600.10', { Exten: '74951234567' }), hangup(...CUSTOMER));
      expect(s.records()).toMatchObject([{ direction: 'inbound', outcome: 'abandoned', legs: [] }]);
    });
  });

  describe('transfers', () => {
    function answeredByAlice(s: Script): void {
      s.feed(
        newchannel(...CUSTOMER, '600.10', { Exten: '74951234567', CallerIDNum: '+79161234567' }),
        newchannel(...PHONE_1001, '600.10'),
        dial('DialBegin', CUSTOMER, PHONE_1001),
        dial('DialEnd', CUSTOMER, PHONE_1001, { DialStatus: 'ANSWER' }),
      );
    }

    it('blind: the transfer is recorded in order and the new agent appears as a leg', () => {
      const s = new Script();
      answeredByAlice(s);
      const out = s.feed(
        ev('BlindTransfer', {
          Result: 'Success',
          TransfererChannel: PHONE_1001[0],
          TransfererUniqueid: PHONE_1001[1],
          TransfereeChannel: CUSTOMER[0],
          TransfereeUniqueid: CUSTOMER[1],
          IsExternal: 'No',
          Context: 'phones',
          Extension: '1002',
        }),
      );
      expect(out).toMatchObject([
        { type: 'call.transferred', transfer: { kind: 'blind', fromExtension: '1001', toExtension: '1002' } },
      ]);
      s.feed(
        hangup(...PHONE_1001),
        newchannel(...PHONE_1002, '600.10'),
        dial('DialBegin', CUSTOMER, PHONE_1002),
        dial('DialEnd', CUSTOMER, PHONE_1002, { DialStatus: 'ANSWER' }),
        hangup(...PHONE_1002),
        hangup(...CUSTOMER),
      );
      const rec = s.records()[0];
      expect(rec).toMatchObject({ outcome: 'answered', agentExtension: '1001' });
      expect(rec.transfers).toMatchObject([{ kind: 'blind', fromExtension: '1001', toExtension: '1002' }]);
      expect(rec.legs.map((l) => `${l.extension}:${l.reason}`)).toEqual(['1001:answered', '1002:answered']);
    });

    it('attended: the target comes from the second transferer’s connected line', () => {
      const s = new Script();
      answeredByAlice(s);
      const out = s.feed(
        ev('AttendedTransfer', {
          Result: 'Success',
          OrigTransfererChannel: PHONE_1001[0],
          OrigTransfererUniqueid: PHONE_1001[1],
          SecondTransfererChannel: 'PJSIP/1001-00000005',
          SecondTransfererUniqueid: '700.5',
          SecondTransfererConnectedLineNum: '1002',
          DestType: 'Bridge',
          TransfereeChannel: CUSTOMER[0],
          TransfereeUniqueid: CUSTOMER[1],
        }),
      );
      expect(out).toMatchObject([
        {
          type: 'call.transferred',
          transfer: { kind: 'attended', fromExtension: '1001', toExtension: '1002' },
        },
      ]);
    });

    it('ignores a failed transfer', () => {
      const s = new Script();
      answeredByAlice(s);
      expect(
        s.feed(ev('BlindTransfer', { Result: 'Fail', TransfereeUniqueid: CUSTOMER[1], Extension: '1002' })),
      ).toEqual([]);
    });
  });

  describe('the hot path', () => {
    it('answers floods and events for unknown channels with nothing, and keeps no state for them', () => {
      const s = new Script();
      const noise: AmiMessage[] = [
        ev('Newexten', { Channel: 'PJSIP/1001-00000009', Uniqueid: '900.9', Application: 'NoOp' }),
        ev('VarSet', { Uniqueid: '900.9', Variable: 'CRM_EXTEN', Value: '1001' }),
        ev('VarSet', { Uniqueid: '900.9', Variable: 'BRIDGEPEER', Value: 'x' }),
        ev('Hangup', { Uniqueid: '900.9', Cause: '16' }),
        ev('DialBegin', { Uniqueid: '900.9', DestUniqueid: '900.10' }),
        ev('AgentConnect', { Uniqueid: '900.9', HoldTime: '3' }),
        // A channel of a call that started before we connected.
        newchannel('PJSIP/1001-0000000a', '900.11', '900.1'),
        { type: 'response', headers: { response: 'Success', actionid: 'x' } },
      ];
      for (const m of noise) expect(s.feed(m)).toEqual([]);
      expect(s.tracker.liveCalls()).toEqual([]);
    });
  });

  describe('presence', () => {
    it('maps hints, device states and member status to one status per extension, reporting changes only', () => {
      const s = new Script();
      const statuses = () =>
        s.events.flatMap((e) => (e.type === 'extension.state' ? [`${e.ext.extension}:${e.ext.status}`] : []));
      s.feed(
        ev('ExtensionStatus', { Exten: '1001', Context: 'phones', Hint: 'PJSIP/1001', Status: '0' }),
        ev('ExtensionStatus', { Exten: '1001', Context: 'phones', Hint: 'PJSIP/1001', Status: '8' }),
        ev('ExtensionStatus', { Exten: '1001', Context: 'phones', Hint: 'PJSIP/1001', Status: '1' }),
        ev('DeviceStateChange', { Device: 'PJSIP/1001', State: 'INUSE' }), // same: no event
        ev('ExtensionStatus', { Exten: '1001', Context: 'phones', Hint: 'PJSIP/1001', Status: '17' }),
        ev('DeviceStateChange', { Device: 'PJSIP/1002', State: 'UNAVAILABLE' }),
        ev('DeviceStateChange', { Device: 'Local/1002@phones', State: 'INUSE' }), // a Local channel: ignored
        ev('DeviceStateChange', { Device: 'Queue:support_avail', State: 'INUSE' }),
        ev('QueueMemberStatus', {
          Queue: 'support',
          Interface: 'PJSIP/1003',
          MemberName: 'Carol',
          Status: '6',
        }),
      );
      expect(statuses()).toEqual([
        '1001:not_in_use',
        '1001:ringing',
        '1001:in_use',
        '1001:on_hold',
        '1002:unavailable',
        '1003:ringing',
      ]);
      expect(s.tracker.extensions().find((x) => x.extension === '1001')).toMatchObject({
        status: 'on_hold',
        source: '1001@phones',
      });
    });
  });

  describe('bounds', () => {
    it('keeps at most maxCalls calls: the least recently active is closed with a warning and a record', () => {
      const maxCalls = 100;
      const total = 5_000;
      const s = new Script(maxCalls);
      const internals = s.tracker as unknown as {
        channels: Map<string, unknown>;
        calls: Map<string, unknown>;
      };
      const bigValue = 'x'.repeat(5000);
      const warnings: string[] = [];
      const evicted: CallRecord[] = [];
      let peakCalls = 0;
      let peakChannels = 0;
      for (let i = 0; i < total; i++) {
        // Calls that never end: a caller and an agent leg ringing forever, plus the usual VarSet noise.
        const caller = `${1_000_000 + i}.0`;
        const agent = `${1_000_000 + i}.1`;
        const at = new Date(i * 1000);
        for (const m of [
          newchannel(`PJSIP/provider-${i}`, caller, caller, { Exten: '74951234567' }),
          newchannel(`PJSIP/1001-${i}`, agent, caller),
          dial('DialBegin', [`PJSIP/provider-${i}`, caller], [`PJSIP/1001-${i}`, agent]),
          ev('VarSet', { Uniqueid: caller, Variable: 'CRM_CONTACT', Value: bigValue }),
        ]) {
          for (const e of s.tracker.handle(m, at)) {
            if (e.type === 'tracker.warning') warnings.push(e.code);
            if (e.type === 'call.ended') evicted.push(e.record);
          }
        }
        peakCalls = Math.max(peakCalls, internals.calls.size);
        peakChannels = Math.max(peakChannels, internals.channels.size);
      }
      expect(peakCalls).toBe(maxCalls);
      expect(peakChannels).toBe(2 * maxCalls);
      expect(s.tracker.liveCalls()).toHaveLength(maxCalls);
      expect(warnings).toEqual(new Array(total - maxCalls).fill(TrackerWarningCode.CallEvicted));
      // Oldest first, each closed once, with its ringing offer ended and the note saying why.
      expect(evicted.map((r) => r.linkedid)).toEqual(
        Array.from({ length: total - maxCalls }, (_, i) => `${1_000_000 + i}.0`),
      );
      expect(evicted.every((r) => r.note === EVICTED_NOTE && r.outcome === 'missed')).toBe(true);
      expect(evicted.every((r) => r.legs.length === 1 && r.legs[0].reason === 'cancelled')).toBe(true);
      expect(evicted[0].variables.CRM_CONTACT).toHaveLength(1024);
      // An evicted call's channels are forgotten: its late Hangup is an unknown channel.
      expect(s.tracker.handle(hangup('PJSIP/provider-0', '1000000.0'), new Date())).toEqual([]);
    });

    it('keeps a call that stays active even when it is the oldest', () => {
      const s = new Script(2);
      s.feed(newchannel('PJSIP/provider-1', '1.0', '1.0'), newchannel('PJSIP/provider-2', '2.0', '2.0'));
      s.feed(ev('QueueCallerJoin', { Uniqueid: '1.0', Queue: 'support', Position: '1' })); // call 1 is active again
      const out = s.feed(newchannel('PJSIP/provider-3', '3.0', '3.0'));
      expect(out.flatMap((e) => (e.type === 'call.ended' ? [e.record.linkedid] : []))).toEqual(['2.0']);
      expect(
        s.tracker
          .liveCalls()
          .map((c) => c.linkedid)
          .sort(),
      ).toEqual(['1.0', '3.0']);
    });

    it('caps legs, variables and transfers per call and says so once', () => {
      const s = new Script();
      s.feed(newchannel(...CUSTOMER, CUSTOMER[1], { Exten: '74951234567' }));
      s.feed(ev('QueueCallerJoin', { Uniqueid: CUSTOMER[1], Queue: 'support', Position: '1' }));
      for (let i = 0; i < 100; i++) {
        const uid = `600.${100 + i}`;
        const chan = `Local/1001@phones-${i};1`;
        s.feed(
          newchannel(chan, uid, CUSTOMER[1]),
          ev('AgentCalled', {
            Uniqueid: CUSTOMER[1],
            DestChannel: chan,
            DestUniqueid: uid,
            Queue: 'support',
            Interface: 'Local/1001@phones/n',
            MemberName: 'Alice Agent',
          }),
          ev('AgentRingNoAnswer', { Uniqueid: CUSTOMER[1], DestUniqueid: uid, RingTime: '2000' }),
          hangup(chan, uid, '19'),
        );
      }
      for (let i = 0; i < 50; i++) {
        s.feed(ev('VarSet', { Uniqueid: CUSTOMER[1], Variable: `CRM_V${i}`, Value: String(i) }));
      }
      for (let i = 0; i < 20; i++) {
        s.feed(
          ev('BlindTransfer', {
            Result: 'Success',
            TransfereeUniqueid: CUSTOMER[1],
            TransfererChannel: 'PJSIP/1001-00000001',
            Extension: String(2000 + i),
          }),
        );
      }
      s.feed(hangup(...CUSTOMER));
      expect(s.events.filter((e) => e.type === 'call.offered')).toHaveLength(100);
      expect(s.events.filter((e) => e.type === 'call.offer-ended')).toHaveLength(100);
      const rec = s.records()[0];
      expect(rec.legs).toHaveLength(64);
      expect(rec.legsDropped).toBe(36);
      expect(rec.legs.every((l) => l.ringSeconds === 2 && l.reason === 'no-answer')).toBe(true);
      expect(Object.keys(rec.variables)).toHaveLength(32);
      expect(rec.transfers).toHaveLength(16);
      expect(rec.transfers[15].toExtension).toBe('2015');
      expect(s.events.filter((e) => e.type === 'call.transferred')).toHaveLength(16);
      expect(rec.outcome).toBe('missed');
      const warnings = s.events.filter((e) => e.type === 'tracker.warning');
      expect(warnings).toMatchObject([{ code: TrackerWarningCode.CallLimitReached, linkedid: CUSTOMER[1] }]);
    });
  });

  it('rejects bad options', () => {
    expect(() => new CallTracker({ pbxId: '' })).toThrow(RangeError);
    expect(() => new CallTracker({ pbxId: 'x', maxCalls: 0 })).toThrow(RangeError);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { header, type AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiParser } from '../protocol/ami/ami-parser.js';
import { deriveTimeline, parseRecording, rewriteEvent } from './ami-recording.js';
import { repeatPlan } from './frame-rewriter.js';
import { SimulatorErrorCode } from './simulator-error.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'asterisk-22');
const load = (name: string) => parseRecording(readFileSync(join(FIXTURES, name)), name);

const msg = (fields: Record<string, string>): AmiMessage => ({
  type: 'event',
  headers: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v])),
});

describe('parseRecording', () => {
  it.each([
    ['inbound-queue-answered.ami', 163, 6000],
    ['inbound-queue-abandoned.ami', 163, 6000],
    ['click-to-call.ami', 52, 4000],
    ['agi-routed-direct.ami', 125, 5000],
    ['busy-hour-24-calls.ami', 2854, 24000],
    ['queue-admin.ami', 12, 0],
    ['login-failed.ami', 0, 0],
  ])('%s: %i broadcast events over %i ms, in recorded order', (name, count, durationMs) => {
    const rec = load(name);
    expect(rec.events).toHaveLength(count);
    expect(rec.durationMs).toBe(durationMs);
    for (let i = 1; i < rec.events.length; i++)
      expect(rec.events[i].atMs).toBeGreaterThanOrEqual(rec.events[i - 1].atMs);
  });

  it('keeps the bytes of every event frame, and leaves out the per-login events and list answers', () => {
    const text = readFileSync(join(FIXTURES, 'queue-admin.ami'), 'utf8');
    const rec = load('queue-admin.ami');
    for (const ev of rec.events) expect(text).toContain(ev.raw);
    const names = rec.events.map((e) => e.eventName);
    expect(names).not.toContain('FullyBooted');
    expect(names).not.toContain('SuccessfulAuth');
    // QueueMember, QueueParams, ... answered the recording client's QueueStatus: ActionID, no Privilege
    expect(names).not.toContain('QueueMember');
    expect(rec.events.every((e) => header(e.msg, 'privilege') !== undefined)).toBe(true);
    expect(names.filter((n) => n === 'DeviceStateChange')).toHaveLength(7);
  });

  it('keeps OriginateResponse, which carries an ActionID but is broadcast', () => {
    const rec = load('click-to-call.ami');
    const orig = rec.events.find((e) => e.eventName === 'OriginateResponse')!;
    expect(header(orig.msg, 'actionid')).toBe('c2c-1');
  });

  it('collects the ids a repeat has to replace', () => {
    const { ids } = load('inbound-queue-answered.ami');
    expect([...ids.uniqueids].sort()).toEqual([
      '1795380887.0',
      '1795380887.1',
      '1795380888.2',
      '1795380888.3',
      '1795380888.4',
      '1795380888.5',
    ]);
    expect([...ids.suffixes].sort()).toEqual(['00000000', '00000001', '00000002']);
    expect([ids.maxSeq, ids.maxSuffix, ids.minEpoch, ids.maxEpoch]).toEqual([5, 2, 1795380887, 1795380888]);
  });

  it('refuses a file whose frames do not line up with the parser', () => {
    expect(() => parseRecording('Event: A\r\nbroken line\r\n\r\n', 'bad')).toThrow(
      expect.objectContaining({ code: SimulatorErrorCode.RECORDING_MALFORMED }),
    );
  });
});

describe('deriveTimeline', () => {
  it('spreads the events between two channel creations evenly over the second', () => {
    const at = deriveTimeline([
      msg({ Event: 'Newchannel', Uniqueid: '1700000000.0' }),
      msg({ Event: 'VarSet' }),
      msg({ Event: 'VarSet' }),
      msg({ Event: 'VarSet' }),
      msg({ Event: 'Newchannel', Uniqueid: '1700000001.1' }),
      msg({ Event: 'Hangup' }),
    ]);
    expect(at).toEqual([0, 250, 500, 750, 1000, 1000]);
  });

  it('uses Cdr EndTime, corrected to UTC from the CDR start against its channel', () => {
    const at = deriveTimeline([
      // the PBX runs 3 hours ahead of UTC: CDR dates are local time
      msg({ Event: 'Newchannel', Uniqueid: '1700000000.0' }),
      msg({ Event: 'Newstate' }),
      msg({
        Event: 'Cdr',
        UniqueID: '1700000000.0',
        StartTime: '2023-11-15 01:13:20',
        EndTime: '2023-11-15 01:13:24',
      }),
    ]);
    expect(new Date(1700000000 * 1000).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(at).toEqual([0, 2000, 4000]);
  });

  it('uses EventTV to the millisecond, and ignores an anchor that would go back in time', () => {
    const at = deriveTimeline([
      msg({ Event: 'SuccessfulAuth', EventTV: '2026-11-22T20:57:21.031+0000' }),
      msg({ Event: 'Newchannel', Uniqueid: '1795381040.0' }),
      msg({ Event: 'RequestBadFormat', EventTV: '2026-11-22T20:57:21.531+0000' }),
    ]);
    expect(at).toEqual([0, 250, 500]);
  });

  it('gives 0 to everything when nothing tells the time', () => {
    expect(deriveTimeline([msg({ Event: 'A' }), msg({ Event: 'B' })])).toEqual([0, 0]);
  });
});

describe('rewriteEvent', () => {
  it('gives the message the parser reads from the rewritten text, for every event of the busy hour', () => {
    const rec = load('busy-hour-24-calls.ami');
    const plan = repeatPlan(rec.ids, 3, 30);
    let parsed: AmiMessage | undefined;
    const parser = new AmiParser((m) => (parsed = m), { expectBanner: false });
    for (const ev of rec.events) {
      const { text, msg: rewritten } = rewriteEvent(ev, plan);
      parser.push(Buffer.from(text));
      expect({ ...rewritten.headers }).toEqual({ ...parsed!.headers });
    }
  });

  it('changes nothing with the pass-0 plan', () => {
    const rec = load('inbound-queue-answered.ami');
    const plan = repeatPlan(rec.ids, 0, 7);
    for (const ev of rec.events) expect(rewriteEvent(ev, plan).text).toBe(ev.raw);
  });
});

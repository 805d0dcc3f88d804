/**
 * applySnapshot's `since`: the snapshot lists are answered on the actions session while events keep
 * arriving on the events session, so a call that began on the current stream may be missing from
 * lists taken a moment earlier (or already gone from lists taken a moment later). Such a call must
 * not be closed as vanished; calls from before the link went down still are.
 */
import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import { CallTracker, VANISHED_NOTE } from './call-tracker.js';

function ev(event: string, fields: Record<string, string>): AmiMessage {
  const headers: Record<string, string> = { event };
  for (const [k, v] of Object.entries(fields)) headers[k.toLowerCase()] = v;
  return { type: 'event', headers };
}

const EMPTY = { queueStatus: [], channels: [], extensionStates: [] };

describe('CallTracker.applySnapshot with since', () => {
  const before = new Date('2026-11-23T12:00:00Z');
  const down = new Date('2026-11-23T12:00:10Z');
  const after = new Date('2026-11-23T12:00:20Z');

  function trackerWithTwoCalls(): CallTracker {
    const tracker = new CallTracker({ pbxId: 'pbx-1' });
    const customer = (uid: string, num: string) =>
      ev('Newchannel', {
        Channel: `PJSIP/provider-${uid}`,
        Uniqueid: uid,
        Linkedid: uid,
        CallerIDNum: num,
        Exten: '74951234567',
      });
    tracker.handle(customer('700.1', '+79160000001'), before);
    tracker.handle(customer('700.2', '+79160000002'), after);
    return tracker;
  }

  it('closes only the calls that started before since and are not listed', () => {
    const tracker = trackerWithTwoCalls();
    const out = tracker.applySnapshot({ ...EMPTY, since: down }, new Date('2026-11-23T12:00:21Z'));
    const ended = out.flatMap((e) => (e.type === 'call.ended' ? [e.record] : []));
    expect(ended.map((r) => [r.linkedid, r.note])).toEqual([['700.1', VANISHED_NOTE]]);
    expect(tracker.liveCalls().map((c) => c.linkedid)).toEqual(['700.2']);
    // the kept call goes on and ends normally on its own Hangup
    const end = tracker.handle(
      ev('Hangup', { Channel: 'PJSIP/provider-700.2', Uniqueid: '700.2', Cause: '16' }),
      new Date('2026-11-23T12:00:25Z'),
    );
    expect(end.flatMap((e) => (e.type === 'call.ended' ? [e.record.note] : []))).toEqual([null]);
  });

  it('without since checks every call, as before', () => {
    const tracker = trackerWithTwoCalls();
    const out = tracker.applySnapshot(EMPTY, new Date('2026-11-23T12:00:21Z'));
    expect(out.filter((e) => e.type === 'call.ended')).toHaveLength(2);
  });
});

import type { CallTracker } from '../../calls/tracker/call-tracker.js';
import {
  trackerLiveState,
  type TrackerCallView,
  type TrackerMemberView,
  type TrackerView,
} from './tracker-live-state.js';

const at = new Date('2026-11-22T20:57:21Z');
const member = (over: Partial<TrackerMemberView>): TrackerMemberView => ({
  queue: 'support',
  interface: 'Local/1001@phones/n',
  extension: '1001',
  status: 'not_in_use',
  paused: false,
  pausedReason: null,
  callsTaken: 0,
  inCall: false,
  lastCallAt: null,
  updatedAt: at,
  ...over,
});
const call = (over: Partial<TrackerCallView>): TrackerCallView => ({
  linkedid: '1795381000.1',
  direction: 'inbound',
  status: 'in_progress',
  fromNumber: '+79161234567',
  toNumber: '74951234567',
  queue: 'support',
  agentInterface: null,
  agentExtension: null,
  startedAt: at,
  answeredAt: at,
  ...over,
});

describe('trackerLiveState', () => {
  const tracker: TrackerView = {
    queueMembers: () => [
      member({ status: 'in_use', inCall: true, callsTaken: 2 }),
      member({ interface: 'Local/1002@phones/n', extension: '1002', paused: true, pausedReason: 'lunch' }),
      member({ queue: 'sales', interface: 'Local/1003@phones/n', extension: '1003' }),
    ],
    liveCalls: () => [
      call({ agentInterface: 'LOCAL/1001@phones/n' }),
      call({ linkedid: 'other', agentExtension: '1003', queue: 'sales' }),
    ],
  };
  const live = trackerLiveState((pbx) => (pbx === 'pbx-1' ? tracker : undefined));

  it('gives the members of one queue with their current call', () => {
    const support = live.queueMembers('pbx-1', 'support');
    expect(support).toHaveLength(2);
    expect(support[0]).toMatchObject({
      interface: 'Local/1001@phones/n',
      status: 'in_use',
      callsTaken: 2,
      currentCall: { linkedid: '1795381000.1', fromNumber: '+79161234567', toNumber: '74951234567' },
    });
    expect(support[1]).toMatchObject({ paused: true, pausedReason: 'lunch', currentCall: null });
  });

  it('finds the call by extension when the call names no interface', () => {
    expect(live.queueMembers('pbx-1', 'sales')[0].currentCall?.linkedid).toBe('other');
  });

  it('answers nothing for a PBX without a tracker or a queue without members', () => {
    expect(live.queueMembers('pbx-2', 'support')).toEqual([]);
    expect(live.queueMembers('pbx-1', 'billing')).toEqual([]);
  });
});

// The real call tracker must keep fitting the view this adapter reads (a compile-time check).
export const trackerFits = (t: CallTracker): TrackerView => t;

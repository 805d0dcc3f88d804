import { interfaceKey } from '../did.util.js';
import type { DirectoryLiveState, LiveCallSummary, LiveQueueMember } from './live-agent-state.port.js';

/**
 * The parts of the call tracker (src/modules/calls/tracker) this adapter reads, typed
 * structurally so the directory does not depend on the calls module.
 */
export interface TrackerMemberView {
  readonly queue: string;
  readonly interface: string;
  readonly extension: string | null;
  readonly status: string;
  readonly paused: boolean;
  readonly pausedReason: string | null;
  readonly callsTaken: number;
  readonly inCall: boolean;
  readonly lastCallAt: Date | null;
  readonly updatedAt: Date;
}

export interface TrackerCallView {
  readonly linkedid: string;
  readonly direction: string;
  readonly status: string;
  readonly fromNumber: string | null;
  readonly toNumber: string | null;
  readonly queue: string | null;
  readonly agentInterface: string | null;
  readonly agentExtension: string | null;
  readonly startedAt: Date;
  readonly answeredAt: Date | null;
}

export interface TrackerView {
  queueMembers(): readonly TrackerMemberView[];
  liveCalls(): readonly TrackerCallView[];
}

/** Live state from one call tracker per PBX (`trackerOf` gives undefined for a PBX it has none of). */
export function trackerLiveState(trackerOf: (pbxId: string) => TrackerView | undefined): DirectoryLiveState {
  return {
    queueMembers(pbxId, queue) {
      const tracker = trackerOf(pbxId);
      if (!tracker) return [];
      const members = tracker.queueMembers().filter((m) => m.queue === queue);
      if (members.length === 0) return [];
      // the call each agent is on: by member interface, else by extension
      const byInterface = new Map<string, TrackerCallView>();
      const byExtension = new Map<string, TrackerCallView>();
      for (const c of tracker.liveCalls()) {
        if (c.agentInterface) byInterface.set(interfaceKey(c.agentInterface), c);
        if (c.agentExtension) byExtension.set(c.agentExtension, c);
      }
      return members.map((m): LiveQueueMember => {
        const call =
          byInterface.get(interfaceKey(m.interface)) ??
          (m.extension ? byExtension.get(m.extension) : undefined);
        return {
          interface: m.interface,
          status: m.status,
          paused: m.paused,
          pausedReason: m.pausedReason,
          callsTaken: m.callsTaken,
          inCall: m.inCall,
          lastCallAt: m.lastCallAt,
          updatedAt: m.updatedAt,
          currentCall: call ? summary(call) : null,
        };
      });
    },
  };
}

function summary(c: TrackerCallView): LiveCallSummary {
  return {
    linkedid: c.linkedid,
    direction: c.direction,
    fromNumber: c.fromNumber,
    toNumber: c.toNumber,
    queue: c.queue,
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
  };
}

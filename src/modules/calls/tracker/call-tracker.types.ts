/**
 * The call model the tracker keeps and the domain events it emits. Persistence (CommEvent rows) and the
 * operator gateway subscribe to these; nothing here knows about Nest, sockets or the database.
 *
 * Every object handed out (in events or by the `liveCalls()`-style getters) is a snapshot the tracker
 * never mutates afterwards, so a subscriber may keep it or persist it asynchronously. Unchanged parts
 * (legs, transfers, variables) are shared between snapshots and frozen.
 */

import type { AmiMessage } from '../../../protocol/ami/ami-message.js';

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/** OFBiz CommEvent status: COM_ENTERED (ringing/queued), COM_IN_PROGRESS (answered), COM_COMPLETE. */
export type CallStatus = 'entered' | 'in_progress' | 'complete';

export type CallOutcome = 'answered' | 'abandoned' | 'missed' | 'no_answer' | 'busy' | 'failed';

/** Why an agent's phone stopped ringing without that agent taking the call. */
export type OfferEndReason = 'no-answer' | 'answered-elsewhere' | 'caller-hungup' | 'cancelled';

export type TransferKind = 'blind' | 'attended' | 'redirect';

/** Presence of an extension, from device state, hints and queue member status. */
export type ExtensionStatus = 'not_in_use' | 'ringing' | 'in_use' | 'on_hold' | 'unavailable' | 'unknown';

/** One offer of the call to one agent's phone (a queue's AgentCalled, or a direct Dial of an agent device). */
export interface AgentLeg {
  /** `1001` for `Local/1001@phones/n`, `PJSIP/1001`, `Local/1001@phones-00000002;1`; null if not derivable. */
  readonly extension: string | null;
  /** The queue member interface (`Local/1001@phones/n`) or the dialled device (`PJSIP/1001`). */
  readonly interface: string;
  readonly memberName: string | null;
  /** The queue that offered the call, null for a direct Dial. */
  readonly queue: string | null;
  /** The agent-side channel that rang (`Local/1001@phones-00000002;1`). */
  readonly channel: string;
  readonly uniqueid: string;
  readonly offeredAt: Date;
  /** When the phone stopped ringing (answered or not); null while it rings. */
  readonly endedAt: Date | null;
  /** Asterisk's RingTime when it reported one, else the clock; null while ringing. */
  readonly ringSeconds: number | null;
  readonly answered: boolean;
  /** 'answered' for the leg that took the call, an OfferEndReason otherwise, null while ringing. */
  readonly reason: OfferEndReason | 'answered' | null;
}

export interface Transfer {
  readonly kind: TransferKind;
  readonly fromExtension: string | null;
  readonly toExtension: string | null;
  readonly at: Date;
}

/** A call in progress: every channel sharing one Linkedid on one PBX. */
export interface LiveCall {
  readonly pbx: string;
  readonly linkedid: string;
  readonly direction: CallDirection;
  readonly status: CallStatus;
  /** Caller ID number as Asterisk had it (raw; E.164 normalisation happens in a service). */
  readonly fromNumber: string | null;
  readonly fromName: string | null;
  /** The DID for inbound calls, the dialled number for outbound/internal ones (raw). */
  readonly toNumber: string | null;
  readonly queue: string | null;
  readonly agentExtension: string | null;
  readonly agentInterface: string | null;
  readonly agentName: string | null;
  readonly startedAt: Date;
  readonly queuedAt: Date | null;
  readonly answeredAt: Date | null;
  readonly legs: readonly AgentLeg[];
  readonly transfers: readonly Transfer[];
  /** `CRM_*` channel variables seen on any channel of the call. */
  readonly variables: Readonly<Record<string, string>>;
  readonly recordingPath: string | null;
  /** ActionID of the Originate that created the call (from OriginateResponse). */
  readonly originateActionId: string | null;
}

/** What gets persisted once per call, as an OFBiz-style CommEvent. */
export interface CallRecord {
  readonly pbx: string;
  readonly linkedid: string;
  readonly direction: CallDirection;
  readonly status: 'complete';
  readonly outcome: CallOutcome;
  readonly fromNumber: string | null;
  readonly fromName: string | null;
  readonly toNumber: string | null;
  readonly queue: string | null;
  /** Who answered (the first agent leg that took the call; the caller's own agent for outbound calls). */
  readonly agentExtension: string | null;
  readonly agentInterface: string | null;
  readonly agentName: string | null;
  readonly startedAt: Date;
  readonly answeredAt: Date | null;
  readonly endedAt: Date;
  /** Queue HoldTime (AgentConnect/AgentComplete) or abandon HoldTime (QueueCallerAbandon); else the clock. */
  readonly waitSeconds: number;
  /** AgentComplete TalkTime; else the clock from answer to end; 0 when never answered. */
  readonly talkSeconds: number;
  /** Q.850 cause of the call's first channel (the caller side), else of the last channel to hang up. */
  readonly hangupCause: number | null;
  readonly hangupCauseText: string | null;
  readonly recordingPath: string | null;
  readonly transfers: readonly Transfer[];
  readonly legs: readonly AgentLeg[];
  /** Offers beyond the per-call cap: they were tracked and emitted but not kept in `legs`. */
  readonly legsDropped: number;
  readonly variables: Readonly<Record<string, string>>;
  readonly originateActionId: string | null;
  /** Set when the tracker closed the call itself (link down, eviction) rather than on the last Hangup. */
  readonly note: string | null;
}

export interface ExtensionState {
  readonly extension: string;
  readonly status: ExtensionStatus;
  /** The device, hint or member interface the status came from (`Custom:1001`, `1001@phones`). */
  readonly source: string;
  readonly updatedAt: Date;
}

export interface QueueMemberState {
  readonly queue: string;
  readonly interface: string;
  readonly extension: string | null;
  readonly name: string;
  readonly stateInterface: string | null;
  readonly membership: string | null;
  /** False only in the event announcing a removal; removed members leave `queueMembers()`. */
  readonly loggedIn: boolean;
  readonly paused: boolean;
  readonly pausedReason: string | null;
  readonly status: ExtensionStatus;
  readonly inCall: boolean;
  readonly callsTaken: number;
  readonly lastCallAt: Date | null;
  readonly penalty: number;
  readonly updatedAt: Date;
}

export interface QueueState {
  readonly queue: string;
  readonly callersWaiting: number;
  /** Since when the longest-waiting caller has waited; null when nobody waits. */
  readonly oldestWaitingSince: Date | null;
  /** Longest wait at `updatedAt`, whole seconds. */
  readonly longestWaitSeconds: number;
  readonly strategy: string | null;
  /** Counters and averages as Asterisk reported them in QueueParams (null until a QueueStatus). */
  readonly completed: number | null;
  readonly abandoned: number | null;
  readonly holdTimeSeconds: number | null;
  readonly talkTimeSeconds: number | null;
  readonly updatedAt: Date;
}

export enum TrackerWarningCode {
  /** maxCalls reached: the least recently active call was closed to make room. */
  CallEvicted = 'CALL_EVICTED',
  /** A per-call cap (channels, legs, transfers, variables) was reached; the excess is not kept. */
  CallLimitReached = 'CALL_LIMIT_REACHED',
  /** A global cap (extensions, queues, members, waiting callers) was reached; new entries are ignored. */
  ModelLimitReached = 'MODEL_LIMIT_REACHED',
}

export interface TrackerWarning {
  readonly type: 'tracker.warning';
  readonly code: TrackerWarningCode;
  readonly message: string;
  readonly linkedid?: string;
}

export type TrackerEvent =
  | { readonly type: 'call.started'; readonly call: LiveCall }
  | {
      readonly type: 'call.queued';
      readonly call: LiveCall;
      readonly queue: string;
      readonly position: number;
    }
  /** An agent's phone rings (AgentCalled, or a direct Dial of an agent device). */
  | { readonly type: 'call.offered'; readonly call: LiveCall; readonly leg: AgentLeg }
  | {
      readonly type: 'call.offer-ended';
      readonly call: LiveCall;
      readonly leg: AgentLeg;
      readonly reason: OfferEndReason;
    }
  /**
   * An agent leg took the call. For an outbound call whose far end answers a Dial to a trunk, `leg`
   * describes the calling agent's own device (it is not an offer and is not part of `call.legs`).
   */
  | { readonly type: 'call.answered'; readonly call: LiveCall; readonly leg: AgentLeg }
  | { readonly type: 'call.transferred'; readonly call: LiveCall; readonly transfer: Transfer }
  /** Exactly once per call. */
  | { readonly type: 'call.ended'; readonly call: LiveCall; readonly record: CallRecord }
  | { readonly type: 'extension.state'; readonly ext: ExtensionState }
  | { readonly type: 'member.status'; readonly member: QueueMemberState }
  | { readonly type: 'queue.stats'; readonly queue: QueueState }
  | TrackerWarning;

export interface CallTrackerOptions {
  /** Identifies the PBX in every call and record. */
  pbxId: string;
  /** Most calls tracked at once; when full, the least recently active call is closed with a warning. Default 5000. */
  maxCalls?: number;
}

export interface CallTrackerSnapshot {
  /** QueueStatus list: QueueParams, QueueMember and QueueEntry events (others are ignored). */
  queueStatus: readonly AmiMessage[];
  /** CoreShowChannels list: CoreShowChannel events. */
  channels: readonly AmiMessage[];
  /** ExtensionStateList (ExtensionStatus) and/or DeviceStateList (DeviceStateChange) events. */
  extensionStates: readonly AmiMessage[];
  /**
   * Calls whose first event arrived at or after this (the `at` given to `handle`) are not checked
   * against `channels`: they were seen whole on the event stream since the link came back, and the
   * lists, answered on another session, may have been taken before they began or after they ended.
   * The host passes when the link went down. Default: every call is checked.
   */
  since?: Date;
}

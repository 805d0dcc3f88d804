import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import {
  type AgentLeg,
  type CallDirection,
  type CallOutcome,
  type CallRecord,
  type CallTrackerOptions,
  type CallTrackerSnapshot,
  type ExtensionState,
  type ExtensionStatus,
  type LiveCall,
  type OfferEndReason,
  type QueueMemberState,
  type QueueState,
  type Transfer,
  type TransferKind,
  type TrackerEvent,
  TrackerWarningCode,
} from './call-tracker.types.js';
import {
  channelDevice,
  channelExtension,
  dialStringNumber,
  interfaceExtension,
  isExtensionNumber,
  knownCallerId,
} from './channel-name.util.js';

const DEFAULT_MAX_CALLS = 5000;
/** Per-call caps: a call is fed by the network like everything else. */
const MAX_CHANNELS_PER_CALL = 128;
const MAX_LEGS_PER_CALL = 64;
const MAX_TRANSFERS_PER_CALL = 16;
const MAX_VARIABLES_PER_CALL = 32;
const MAX_VARIABLE_LENGTH = 1024;
/** Caps of the presence models (entries beyond them are ignored with one warning until the next snapshot). */
const MAX_EXTENSIONS = 20_000;
const MAX_MEMBERS = 20_000;
const MAX_QUEUES = 2_000;
const MAX_WAITING = 20_000;

export const VANISHED_NOTE = 'vanished while the AMI link was down';
export const EVICTED_NOTE = 'evicted: tracker reached maxCalls';

type Headers = AmiMessage['headers'];

interface LegState {
  extension: string | null;
  iface: string;
  memberName: string | null;
  queue: string | null;
  channel: string;
  uniqueid: string;
  offeredAt: number;
  endedAt: number | null;
  ringSeconds: number | null;
  answered: boolean;
  reason: OfferEndReason | 'answered' | null;
  /** The immutable snapshot handed out, rebuilt after a change (see `legChanged`). */
  view: AgentLeg | null;
}

interface ChannelState {
  readonly uniqueid: string;
  readonly name: string;
  readonly call: CallState;
  /** The agent offer this channel carries (the `;1` of a Local agent leg, or the agent's device channel). */
  leg: LegState | null;
  /** Dialled towards a non-agent destination (a trunk) from inside the call. */
  external: boolean;
  /** The caller's side: the call's first channel, or a channel that queued or dialled agents. */
  callerSide: boolean;
  /** The other half of a Local channel pair (from LocalBridge). */
  localPeer: ChannelState | null;
}

interface CallState {
  readonly linkedid: string;
  readonly firstUniqueid: string;
  /** Extension of the first channel when it is an agent's device: the call was placed by an agent. */
  readonly originatorExtension: string | null;
  readonly originatorDevice: string;
  readonly startedAt: number;
  readonly channels: Map<string, ChannelState>;
  readonly legs: LegState[];
  readonly transfers: Transfer[];
  readonly variables: Map<string, string>;
  legsDropped: number;
  /** Frozen snapshots shared by every event until the part changes. */
  legsView: readonly AgentLeg[] | null;
  transfersView: readonly Transfer[] | null;
  variablesView: Readonly<Record<string, string>> | null;
  fromNumber: string | null;
  fromName: string | null;
  toNumber: string | null;
  queue: string | null;
  queuedAt: number | null;
  answeredAt: number | null;
  agentExtension: string | null;
  agentInterface: string | null;
  agentName: string | null;
  recordingPath: string | null;
  originateActionId: string | null;
  originateFailure: string | null;
  asteriskHold: number | null;
  asteriskTalk: number | null;
  abandonWait: number | null;
  abandoned: boolean;
  callerGone: boolean;
  hangupCause: number | null;
  hangupCauseText: string | null;
  lastCause: number | null;
  lastCauseText: string | null;
  externalDialed: boolean;
  externalAnswered: boolean;
  externalStatus: string | null;
  lastDialStatus: string | null;
  ended: boolean;
  limitWarned: boolean;
}

interface QueueModel {
  readonly name: string;
  /** Caller uniqueid -> joined at (ms), oldest first. */
  readonly waiting: Map<string, number>;
  strategy: string | null;
  completed: number | null;
  abandoned: number | null;
  holdTime: number | null;
  talkTime: number | null;
  /** Clock of the last event that touched this queue (ms). */
  lastAt: number;
}

/** AMI `DeviceStateChange` State values. */
const DEVICE_STATE: Readonly<Record<string, ExtensionStatus>> = {
  NOT_INUSE: 'not_in_use',
  INUSE: 'in_use',
  BUSY: 'in_use',
  INVALID: 'unavailable',
  UNAVAILABLE: 'unavailable',
  RINGING: 'ringing',
  RINGINUSE: 'ringing',
  ONHOLD: 'on_hold',
  UNKNOWN: 'unknown',
};

/** `ast_device_state` codes, as in QueueMemberStatus `Status`. */
const DEVICE_CODE: readonly ExtensionStatus[] = [
  'unknown', // 0 UNKNOWN
  'not_in_use', // 1 NOT_INUSE
  'in_use', // 2 INUSE
  'in_use', // 3 BUSY
  'unavailable', // 4 INVALID
  'unavailable', // 5 UNAVAILABLE
  'ringing', // 6 RINGING
  'ringing', // 7 RINGINUSE
  'on_hold', // 8 ONHOLD
];

/** `ast_extension_states` bit flags, as in ExtensionStatus `Status`. */
function hintStatus(code: number): ExtensionStatus {
  if (code < 0) return 'unavailable'; // -1 deleted, -2 removed
  if (code & 16) return 'on_hold';
  if (code & 8) return 'ringing';
  if (code & 4) return 'unavailable';
  if (code & 3) return 'in_use'; // 1 in use, 2 busy
  return 'not_in_use';
}

function get(h: Headers, key: string): string | undefined {
  const v = h[key];
  return typeof v === 'string' ? v : v === undefined ? undefined : v[0];
}

function int(s: string | undefined): number | null {
  if (s === undefined || s.length === 0) return null;
  const n = Number.parseInt(s, 10);
  return Number.isNaN(n) ? null : n;
}

function seconds(fromMs: number, toMs: number): number {
  return toMs > fromMs ? Math.round((toMs - fromMs) / 1000) : 0;
}

/** Q.850 causes that say why a ringing agent phone stopped. */
function reasonFromCause(cause: number | null): OfferEndReason | null {
  switch (cause) {
    case 17: // user busy
    case 18: // no user responding
    case 19: // no answer from user (user alerted)
    case 21: // call rejected
      return 'no-answer';
    case 26: // answered elsewhere
      return 'answered-elsewhere';
    default:
      return null;
  }
}

function legView(leg: LegState): AgentLeg {
  if (leg.view !== null) return leg.view;
  return (leg.view = Object.freeze({
    extension: leg.extension,
    interface: leg.iface,
    memberName: leg.memberName,
    queue: leg.queue,
    channel: leg.channel,
    uniqueid: leg.uniqueid,
    offeredAt: new Date(leg.offeredAt),
    endedAt: leg.endedAt === null ? null : new Date(leg.endedAt),
    ringSeconds: leg.ringSeconds,
    answered: leg.answered,
    reason: leg.reason,
  }));
}

function legsView(call: CallState): readonly AgentLeg[] {
  return (call.legsView ??= Object.freeze(call.legs.map(legView)));
}

function transfersView(call: CallState): readonly Transfer[] {
  return (call.transfersView ??= Object.freeze(call.transfers.slice()));
}

function variablesView(call: CallState): Readonly<Record<string, string>> {
  if (call.variablesView === null) {
    const view: Record<string, string> = {};
    for (const [k, v] of call.variables) view[k] = v;
    call.variablesView = Object.freeze(view);
  }
  return call.variablesView;
}

/** After any change to a leg: its snapshot and its call's legs snapshot are stale. */
function legChanged(call: CallState, leg: LegState): void {
  leg.view = null;
  call.legsView = null;
}

function sameMember(a: QueueMemberState, b: QueueMemberState): boolean {
  return (
    a.loggedIn === b.loggedIn &&
    a.paused === b.paused &&
    a.pausedReason === b.pausedReason &&
    a.status === b.status &&
    a.inCall === b.inCall &&
    a.callsTaken === b.callsTaken &&
    a.penalty === b.penalty &&
    a.name === b.name &&
    a.membership === b.membership &&
    a.stateInterface === b.stateInterface &&
    (a.lastCallAt?.getTime() ?? 0) === (b.lastCallAt?.getTime() ?? 0)
  );
}

/**
 * Folds the AMI event stream of one PBX into calls, agent legs, extension presence, queue members and
 * queue statistics, and says what changed as typed domain events.
 *
 * Pure: no I/O, no timers; `at` is when the event arrived. One call is every channel sharing a Linkedid
 * (Local `;1`/`;2` pairs and per-agent Local legs included). Events for channels it does not track cost
 * one Map lookup; `VarSet`/`Newexten` floods are dismissed on the header name.
 */
export class CallTracker {
  private readonly pbx: string;
  private readonly maxCalls: number;
  /** Linkedid -> call, least recently active first (re-inserted on activity). */
  private readonly calls = new Map<string, CallState>();
  /** Uniqueid -> channel of a tracked call. */
  private readonly channels = new Map<string, ChannelState>();
  private readonly exts = new Map<string, ExtensionState>();
  /** `queue \n interface` -> member. */
  private readonly members = new Map<string, QueueMemberState>();
  private readonly queueModels = new Map<string, QueueModel>();
  /** Caller uniqueid -> the queue it waits in (also for callers whose call is not tracked). */
  private readonly waitingByUid = new Map<string, QueueModel>();
  private lastTouched: CallState | null = null;
  private modelLimitWarned = false;

  /**
   * Event name -> handler. One hash lookup: a `switch` over ~30 names would compare the (non-interned)
   * parsed name against every case before dismissing a `Newexten`.
   */
  private static readonly handlers = new Map<
    string,
    (self: CallTracker, h: Headers, t: number) => TrackerEvent[]
  >([
    ['VarSet', (self, h) => self.onVarSet(h)],
    ['Newchannel', (self, h, t) => self.onNewchannel(h, t)],
    ['NewCallerid', (self, h) => self.onNewCallerid(h)],
    ['Hangup', (self, h, t) => self.onHangup(h, t)],
    ['HangupRequest', (self, h) => self.onHangupRequest(h)],
    ['SoftHangupRequest', (self, h) => self.onHangupRequest(h)],
    ['LocalBridge', (self, h) => self.onLocalBridge(h)],
    ['DialBegin', (self, h, t) => self.onDialBegin(h, t)],
    ['DialEnd', (self, h, t) => self.onDialEnd(h, t)],
    ['AgentCalled', (self, h, t) => self.onAgentCalled(h, t)],
    ['AgentConnect', (self, h, t) => self.onAgentConnect(h, t)],
    ['AgentComplete', (self, h) => self.onAgentComplete(h)],
    ['AgentRingNoAnswer', (self, h, t) => self.onAgentRingNoAnswer(h, t)],
    ['QueueCallerJoin', (self, h, t) => self.onQueueCallerJoin(h, t)],
    ['QueueCallerLeave', (self, h, t) => self.onQueueCallerLeave(h, t)],
    ['QueueCallerAbandon', (self, h) => self.onQueueCallerAbandon(h)],
    ['OriginateResponse', (self, h) => self.onOriginateResponse(h)],
    ['BlindTransfer', (self, h, t) => self.onTransfer(h, t, 'blind')],
    ['AttendedTransfer', (self, h, t) => self.onTransfer(h, t, 'attended')],
    ['DeviceStateChange', (self, h, t) => self.onDeviceStateChange(h, t, [])],
    ['ExtensionStatus', (self, h, t) => self.onExtensionStatus(h, t, [])],
    ['QueueMemberStatus', (self, h, t) => self.onMember(h, t, [])],
    ['QueueMemberAdded', (self, h, t) => self.onMember(h, t, [])],
    ['QueueMemberPause', (self, h, t) => self.onMember(h, t, [])],
    ['QueueMemberPaused', (self, h, t) => self.onMember(h, t, [])], // before Asterisk 12
    ['QueueMemberPenalty', (self, h, t) => self.onMember(h, t, [])],
    ['QueueMemberRinginuse', (self, h, t) => self.onMember(h, t, [])],
    ['QueueMember', (self, h, t) => self.onMember(h, t, [])], // QueueStatus list item
    ['QueueMemberRemoved', (self, h, t) => self.onMemberRemoved(h, t, [])],
    ['QueueParams', (self, h, t) => self.onQueueParams(h, t, [])],
    ['QueueEntry', (self, h, t) => self.onQueueEntry(h, t, [])],
  ]);

  constructor(options: CallTrackerOptions) {
    if (typeof options.pbxId !== 'string' || options.pbxId.length === 0) {
      throw new RangeError('CallTracker: pbxId must be a non-empty string');
    }
    const maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
    if (!Number.isInteger(maxCalls) || maxCalls < 1) {
      throw new RangeError(
        `CallTracker: maxCalls must be a positive integer, got ${String(options.maxCalls)}`,
      );
    }
    this.pbx = options.pbxId;
    this.maxCalls = maxCalls;
  }

  /** Feeds one AMI message; returns what changed (often nothing). Responses and unknown events are ignored. */
  handle(event: AmiMessage, at: Date): TrackerEvent[] {
    if (event.type !== 'event') return [];
    const h = event.headers;
    const name = h['event'];
    if (typeof name !== 'string') return [];
    const handler = CallTracker.handlers.get(name);
    return handler === undefined ? [] : handler(this, h, at.getTime());
  }

  /**
   * Re-syncs after a (re)connect from the lists the AMI client fetched: QueueStatus, CoreShowChannels and
   * ExtensionStateList/DeviceStateList. Members and waiting callers of the listed queues are replaced; a
   * tracked call none of whose channels is still listed is closed at `at` (it ended while we were away).
   */
  applySnapshot(snapshot: CallTrackerSnapshot, at: Date): TrackerEvent[] {
    const t = at.getTime();
    const out: TrackerEvent[] = [];
    this.modelLimitWarned = false;

    for (const msg of snapshot.extensionStates) {
      const name = get(msg.headers, 'event');
      if (name === 'ExtensionStatus') this.onExtensionStatus(msg.headers, t, out);
      else if (name === 'DeviceStateChange') this.onDeviceStateChange(msg.headers, t, out);
    }

    // Queues: counters first, then members, then who waits.
    const listedQueues = new Set<string>();
    const listedMembers = new Set<string>();
    const entries: { queue: string; uid: string; joinedAt: number }[] = [];
    for (const msg of snapshot.queueStatus) {
      const h = msg.headers;
      const name = get(h, 'event');
      const queue = get(h, 'queue');
      if (queue === undefined) continue;
      if (name === 'QueueParams') {
        listedQueues.add(queue);
        this.updateQueueParams(h, queue, out);
      } else if (name === 'QueueMember') {
        const iface = get(h, 'location') ?? get(h, 'interface');
        if (iface !== undefined) listedMembers.add(`${queue}\n${iface}`);
        this.onMember(h, t, out);
      } else if (name === 'QueueEntry') {
        const uid = get(h, 'uniqueid');
        if (uid !== undefined) entries.push({ queue, uid, joinedAt: t - (int(get(h, 'wait')) ?? 0) * 1000 });
      }
    }
    for (const [key, m] of this.members) {
      if (listedQueues.has(m.queue) && !listedMembers.has(key)) {
        this.members.delete(key);
        out.push({ type: 'member.status', member: { ...m, loggedIn: false, inCall: false, updatedAt: at } });
      }
    }
    for (const queue of listedQueues) {
      const q = this.queueModels.get(queue);
      if (q === undefined) continue;
      for (const uid of q.waiting.keys()) this.waitingByUid.delete(uid);
      q.waiting.clear();
    }
    entries.sort((a, b) => a.joinedAt - b.joinedAt);
    for (const e of entries) {
      const q = this.queueModel(e.queue, out);
      if (q !== null) this.addWaiting(q, e.uid, e.joinedAt, out);
    }
    for (const queue of listedQueues) {
      const q = this.queueModels.get(queue);
      if (q !== undefined) out.push({ type: 'queue.stats', queue: this.queueView(q, t) });
    }

    // Calls: drop channels that are gone; close calls left without any.
    const alive = new Set<string>();
    for (const msg of snapshot.channels) {
      if (get(msg.headers, 'event') !== 'CoreShowChannel') continue;
      const uid = get(msg.headers, 'uniqueid');
      if (uid !== undefined) alive.add(uid);
    }
    // Calls that started at or after `since` were followed whole on the current event stream; the
    // lists, answered on another session, may predate them: leave them alone.
    const since = snapshot.since === undefined ? Infinity : snapshot.since.getTime();
    for (const call of [...this.calls.values()]) {
      if (call.startedAt >= since) continue;
      for (const ch of [...call.channels.values()]) {
        if (!alive.has(ch.uniqueid)) this.removeChannel(ch, t, null, null, out);
      }
      if (call.channels.size === 0) this.endCall(call, t, VANISHED_NOTE, out);
    }
    return out;
  }

  /**
   * Takes over a call another instance (or an earlier run of the app) was following, from its last
   * persisted view and the channels the PBX still lists for it (CoreShowChannels), so that its later
   * events fold in as if this tracker had seen it from the start and its end lands on the same
   * record. Emits nothing. False when the call is already tracked, has no channel left, or the
   * tracker is full.
   */
  adopt(call: LiveCall, channels: readonly { uniqueid: string; channel: string }[]): boolean {
    if (this.calls.has(call.linkedid) || channels.length === 0 || this.calls.size >= this.maxCalls)
      return false;
    const first = channels.find((c) => c.uniqueid === call.linkedid);
    const originatorExtension =
      call.direction === 'inbound'
        ? null
        : (call.agentExtension ?? (first ? channelExtension(first.channel) : null));
    const legs: LegState[] = call.legs.map((l) => ({
      extension: l.extension,
      iface: l.interface,
      memberName: l.memberName,
      queue: l.queue,
      channel: l.channel,
      uniqueid: l.uniqueid,
      offeredAt: l.offeredAt.getTime(),
      endedAt: l.endedAt === null ? null : l.endedAt.getTime(),
      ringSeconds: l.ringSeconds,
      answered: l.answered,
      reason: l.reason,
      view: null,
    }));
    const state: CallState = {
      linkedid: call.linkedid,
      firstUniqueid: call.linkedid,
      originatorExtension,
      originatorDevice: first ? channelDevice(first.channel) : '',
      startedAt: call.startedAt.getTime(),
      channels: new Map(),
      legs,
      transfers: [...call.transfers],
      variables: new Map(Object.entries(call.variables)),
      legsDropped: 0,
      legsView: null,
      transfersView: null,
      variablesView: null,
      fromNumber: call.fromNumber,
      fromName: call.fromName,
      toNumber: call.toNumber,
      queue: call.queue,
      queuedAt: call.queuedAt === null ? null : call.queuedAt.getTime(),
      answeredAt: call.answeredAt === null ? null : call.answeredAt.getTime(),
      agentExtension: call.agentExtension,
      agentInterface: call.agentInterface,
      agentName: call.agentName,
      recordingPath: call.recordingPath,
      originateActionId: call.originateActionId,
      originateFailure: null,
      asteriskHold: null,
      asteriskTalk: null,
      abandonWait: null,
      abandoned: false,
      callerGone: false,
      hangupCause: null,
      hangupCauseText: null,
      lastCause: null,
      lastCauseText: null,
      externalDialed: false,
      externalAnswered: false,
      externalStatus: null,
      lastDialStatus: null,
      ended: false,
      limitWarned: false,
    };
    this.calls.set(state.linkedid, state);
    this.lastTouched = state;
    const out: TrackerEvent[] = [];
    const byName = new Map<string, ChannelState>();
    for (const c of channels) {
      if (this.channels.has(c.uniqueid)) continue;
      const ch = this.addChannel(state, c.uniqueid, c.channel, out);
      if (ch === null) break;
      ch.callerSide = c.uniqueid === state.firstUniqueid;
      ch.leg = legs.find((l) => l.uniqueid === c.uniqueid) ?? null;
      byName.set(c.channel, ch);
    }
    // Local channel pairs (`;1` / `;2`) are each other's peer, as LocalBridge would have said.
    for (const [name, ch] of byName) {
      if (!name.endsWith(';1')) continue;
      const peer = byName.get(`${name.slice(0, -2)};2`);
      if (peer !== undefined) {
        ch.localPeer = peer;
        peer.localPeer = ch;
      }
    }
    if (state.channels.size === 0) {
      this.calls.delete(state.linkedid);
      this.lastTouched = null;
      return false;
    }
    return true;
  }

  liveCalls(): LiveCall[] {
    const list: LiveCall[] = [];
    for (const call of this.calls.values()) list.push(this.liveView(call));
    return list;
  }

  extensions(): ExtensionState[] {
    return [...this.exts.values()];
  }

  queueMembers(): QueueMemberState[] {
    return [...this.members.values()];
  }

  /** Queue states; `longestWaitSeconds` is as of the last event that touched each queue. */
  queues(): QueueState[] {
    const list: QueueState[] = [];
    for (const q of this.queueModels.values()) list.push(this.queueView(q, q.lastAt));
    return list;
  }

  // ---- channels and calls ----------------------------------------------------------------------

  private onNewchannel(h: Headers, t: number): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    const name = get(h, 'channel');
    if (uid === undefined || name === undefined || this.channels.has(uid)) return [];
    const linkedid = get(h, 'linkedid') ?? uid;
    const out: TrackerEvent[] = [];
    let call = this.calls.get(linkedid);
    if (call === undefined) {
      // A channel of a call whose first channel we never saw (we connected mid-call) is not tracked.
      if (linkedid !== uid) return out;
      call = this.startCall(uid, name, h, t, out);
      const ch = this.addChannel(call, uid, name, out);
      if (ch !== null) ch.callerSide = true;
      out.push({ type: 'call.started', call: this.liveView(call) });
      return out;
    }
    this.touch(call);
    this.addChannel(call, uid, name, out);
    return out;
  }

  private startCall(uid: string, name: string, h: Headers, t: number, out: TrackerEvent[]): CallState {
    if (this.calls.size >= this.maxCalls) {
      const oldest = this.calls.values().next().value as CallState;
      out.push({
        type: 'tracker.warning',
        code: TrackerWarningCode.CallEvicted,
        message: `maxCalls (${this.maxCalls}) reached: closed the least recently active call ${oldest.linkedid}`,
        linkedid: oldest.linkedid,
      });
      this.endCall(oldest, t, EVICTED_NOTE, out);
    }
    const originatorExtension = channelExtension(name);
    const exten = get(h, 'exten');
    const call: CallState = {
      linkedid: uid,
      firstUniqueid: uid,
      originatorExtension,
      originatorDevice: channelDevice(name),
      startedAt: t,
      channels: new Map(),
      legs: [],
      transfers: [],
      variables: new Map(),
      legsDropped: 0,
      legsView: null,
      transfersView: null,
      variablesView: null,
      fromNumber: knownCallerId(get(h, 'calleridnum')),
      fromName: knownCallerId(get(h, 'calleridname')),
      toNumber:
        exten !== undefined && exten.length > 0 && exten !== 's' && exten !== originatorExtension
          ? exten
          : null,
      queue: null,
      queuedAt: null,
      answeredAt: null,
      agentExtension: null,
      agentInterface: null,
      agentName: null,
      recordingPath: null,
      originateActionId: null,
      originateFailure: null,
      asteriskHold: null,
      asteriskTalk: null,
      abandonWait: null,
      abandoned: false,
      callerGone: false,
      hangupCause: null,
      hangupCauseText: null,
      lastCause: null,
      lastCauseText: null,
      externalDialed: false,
      externalAnswered: false,
      externalStatus: null,
      lastDialStatus: null,
      ended: false,
      limitWarned: false,
    };
    this.calls.set(uid, call);
    this.lastTouched = call;
    return call;
  }

  private addChannel(call: CallState, uid: string, name: string, out: TrackerEvent[]): ChannelState | null {
    if (call.channels.size >= MAX_CHANNELS_PER_CALL) {
      this.warnCallLimit(call, `more than ${MAX_CHANNELS_PER_CALL} channels`, out);
      return null;
    }
    const ch: ChannelState = {
      uniqueid: uid,
      name,
      call,
      leg: null,
      external: false,
      callerSide: false,
      localPeer: null,
    };
    call.channels.set(uid, ch);
    this.channels.set(uid, ch);
    return ch;
  }

  /** Moves a call to the most-recently-active end of the eviction order. */
  private touch(call: CallState): void {
    if (this.lastTouched === call) return;
    this.calls.delete(call.linkedid);
    this.calls.set(call.linkedid, call);
    this.lastTouched = call;
  }

  private onNewCallerid(h: Headers): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    const ch = uid === undefined ? undefined : this.channels.get(uid);
    if (ch === undefined || ch.call.firstUniqueid !== uid) return [];
    const num = knownCallerId(get(h, 'calleridnum'));
    if (num !== null) ch.call.fromNumber = num;
    const name = knownCallerId(get(h, 'calleridname'));
    if (name !== null) ch.call.fromName = name;
    return [];
  }

  private onVarSet(h: Headers): TrackerEvent[] {
    const variable = get(h, 'variable');
    if (variable === undefined) return [];
    const isCrm = variable.startsWith('CRM_');
    if (!isCrm && variable !== 'MIXMONITOR_FILENAME') return [];
    const uid = get(h, 'uniqueid');
    const ch = uid === undefined ? undefined : this.channels.get(uid);
    if (ch === undefined) return [];
    const call = ch.call;
    let value = get(h, 'value') ?? '';
    if (!isCrm) {
      if (value.length > 0) call.recordingPath = value.slice(0, MAX_VARIABLE_LENGTH);
      return [];
    }
    if (value.length === 0) {
      // Cleared (the AGI answered "nobody"): forget it rather than keep an empty value.
      if (call.variables.delete(variable)) call.variablesView = null;
      return [];
    }
    if (value.length > MAX_VARIABLE_LENGTH) value = value.slice(0, MAX_VARIABLE_LENGTH);
    const prev = call.variables.get(variable);
    if (prev === value) return [];
    if (prev === undefined && call.variables.size >= MAX_VARIABLES_PER_CALL) {
      const out: TrackerEvent[] = [];
      this.warnCallLimit(call, `more than ${MAX_VARIABLES_PER_CALL} CRM_* variables`, out);
      return out;
    }
    call.variables.set(variable, value);
    call.variablesView = null;
    return [];
  }

  private onHangup(h: Headers, t: number): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    if (uid === undefined) return [];
    const ch = this.channels.get(uid);
    if (ch === undefined) {
      if (!this.waitingByUid.has(uid)) return [];
      const out: TrackerEvent[] = [];
      this.dropWaiting(uid, t, out);
      return out;
    }
    const out: TrackerEvent[] = [];
    const call = ch.call;
    this.removeChannel(ch, t, int(get(h, 'cause')), get(h, 'cause-txt') ?? null, out);
    if (call.channels.size === 0) this.endCall(call, t, null, out);
    else this.touch(call);
    return out;
  }

  /** The caller asked to hang up: queues cancel ringing agents before the caller's Hangup arrives. */
  private onHangupRequest(h: Headers): TrackerEvent[] {
    const ch = this.channelOf(get(h, 'uniqueid'));
    if (ch !== undefined && ch.callerSide) ch.call.callerGone = true;
    return [];
  }

  private removeChannel(
    ch: ChannelState,
    t: number,
    cause: number | null,
    causeText: string | null,
    out: TrackerEvent[],
  ): void {
    const call = ch.call;
    this.channels.delete(ch.uniqueid);
    call.channels.delete(ch.uniqueid);
    if (cause !== null) {
      call.lastCause = cause;
      call.lastCauseText = causeText;
    }
    if (ch.uniqueid === call.firstUniqueid) {
      call.hangupCause = cause;
      call.hangupCauseText = causeText;
    }
    if (ch.callerSide) call.callerGone = true;
    const leg = ch.leg;
    if (leg !== null && leg.endedAt === null) {
      this.endLeg(call, leg, t, reasonFromCause(cause) ?? this.cancelReason(call), null, out);
    }
    if (this.waitingByUid.has(ch.uniqueid)) this.dropWaiting(ch.uniqueid, t, out);
  }

  /** Closes a call: open offers end, leftover channels are forgotten, `call.ended` is emitted (once). */
  private endCall(call: CallState, t: number, note: string | null, out: TrackerEvent[]): void {
    if (call.ended) return;
    for (const ch of call.channels.values()) {
      const leg = ch.leg;
      if (leg !== null && leg.endedAt === null) this.endLeg(call, leg, t, this.cancelReason(call), null, out);
      this.channels.delete(ch.uniqueid);
      if (this.waitingByUid.has(ch.uniqueid)) this.dropWaiting(ch.uniqueid, t, out);
    }
    call.channels.clear();
    call.ended = true;
    this.calls.delete(call.linkedid);
    if (this.lastTouched === call) this.lastTouched = null;
    const record = this.record(call, t, note);
    out.push({ type: 'call.ended', call: this.liveView(call), record });
  }

  // ---- agent legs -------------------------------------------------------------------------------

  private onAgentCalled(h: Headers, t: number): TrackerEvent[] {
    const caller = this.channelOf(get(h, 'uniqueid'));
    if (caller === undefined) return [];
    caller.callerSide = true;
    const call = caller.call;
    const out: TrackerEvent[] = [];
    const dest = this.destChannel(call, h, out);
    if (dest === null) return out;
    this.touch(call);
    const iface = get(h, 'interface') ?? channelDevice(dest.name);
    const queue = get(h, 'queue') ?? null;
    const memberName = get(h, 'membername') ?? null;
    if (dest.leg !== null) {
      // DialBegin came first and opened a direct leg: it was the queue's.
      dest.leg.queue ??= queue;
      dest.leg.iface = iface;
      dest.leg.memberName ??= memberName;
      legChanged(call, dest.leg);
      return out;
    }
    const extension = interfaceExtension(iface) ?? channelExtension(dest.name);
    this.offer(call, dest, { extension, iface, memberName, queue }, t, out);
    return out;
  }

  /** Pairs the `;1` and `;2` halves of a Local channel, so a queue member's Local leg knows its own dial. */
  private onLocalBridge(h: Headers): TrackerEvent[] {
    const one = this.channelOf(get(h, 'localoneuniqueid'));
    const two = this.channelOf(get(h, 'localtwouniqueid'));
    if (one !== undefined && two !== undefined) {
      one.localPeer = two;
      two.localPeer = one;
    }
    return [];
  }

  private onDialBegin(h: Headers, t: number): TrackerEvent[] {
    const callerUid = get(h, 'uniqueid');
    const caller = this.channelOf(callerUid);
    // An agent's Local leg (`Local/1001@from-queue/n`, its `;2`) ringing the agent's real phone
    // (`PJSIP/1001`): the same offer goes on on the device channel, it is not a second one. The call's
    // first channel is excluded: an agent placing a call (click-to-call) dials the far end from there.
    const agentLeg =
      caller === undefined || caller.uniqueid === caller.call.firstUniqueid
        ? null
        : (caller.leg ?? caller.localPeer?.leg ?? null);
    if (agentLeg !== null) {
      const out: TrackerEvent[] = [];
      const dest = this.channelOf(get(h, 'destuniqueid')) ?? this.destChannel(caller!.call, h, out);
      if (dest !== null && dest.leg === null && !dest.external) dest.leg = agentLeg;
      return out;
    }
    const destUid = get(h, 'destuniqueid');
    let dest = destUid === undefined ? undefined : this.channels.get(destUid);
    const out: TrackerEvent[] = [];
    if (dest === undefined) {
      if (caller === undefined) return out;
      const adopted = this.destChannel(caller.call, h, out);
      if (adopted === null) return out;
      dest = adopted;
    }
    if (caller !== undefined) caller.callerSide = true;
    if (dest.leg !== null || dest.external) return out;
    const call = dest.call;
    this.touch(call);
    const destName = get(h, 'destchannel') ?? dest.name;
    const extension = channelExtension(destName);
    if (extension !== null) {
      this.offer(
        call,
        dest,
        { extension, iface: channelDevice(destName), memberName: null, queue: null },
        t,
        out,
      );
    } else if (caller !== undefined && caller.call === call) {
      // From inside the call to something that is not an agent: a trunk, i.e. the far end.
      dest.external = true;
      call.externalDialed = true;
      if (call.toNumber === null) call.toNumber = dialStringNumber(get(h, 'dialstring') ?? '');
    }
    // A DialBegin without a calling channel is an Originate dialling its first channel: nothing to add.
    return out;
  }

  private onDialEnd(h: Headers, t: number): TrackerEvent[] {
    const dest = this.channelOf(get(h, 'destuniqueid'));
    if (dest === undefined) return [];
    const call = dest.call;
    const status = get(h, 'dialstatus') ?? '';
    const out: TrackerEvent[] = [];
    const leg = dest.leg;
    if (leg !== null) {
      if (leg.endedAt !== null) return out; // Asterisk repeats CANCEL for ringall losers
      call.lastDialStatus = status;
      switch (status) {
        case 'ANSWER':
          this.answerLeg(call, leg, t, null, out);
          break;
        case 'NOANSWER':
          // A queue reports the ring time in AgentRingNoAnswer right after; a direct Dial does not.
          if (leg.queue === null) this.endLeg(call, leg, t, 'no-answer', null, out);
          break;
        case 'BUSY':
        case 'CHANUNAVAIL':
        case 'CONGESTION':
          this.endLeg(call, leg, t, 'no-answer', null, out);
          break;
        default: // CANCEL, ABORT, ...
          this.endLeg(call, leg, t, this.cancelReason(call), null, out);
      }
      return out;
    }
    if (dest.external) {
      call.externalStatus = status;
      if (status === 'ANSWER' && !call.externalAnswered) {
        call.externalAnswered = true;
        // The far end picked up: talk time counts from here, even if the agent's own phone answered earlier.
        call.answeredAt = t;
        call.agentExtension ??= call.originatorExtension;
        call.agentInterface ??= call.originatorExtension === null ? null : call.originatorDevice;
        out.push({ type: 'call.answered', call: this.liveView(call), leg: this.originatorLeg(call, t) });
      }
    }
    return out;
  }

  private onAgentConnect(h: Headers, t: number): TrackerEvent[] {
    const caller = this.channelOf(get(h, 'uniqueid'));
    if (caller === undefined) return [];
    const call = caller.call;
    this.touch(call);
    const out: TrackerEvent[] = [];
    const hold = int(get(h, 'holdtime'));
    if (hold !== null) call.asteriskHold = hold;
    const ring = int(get(h, 'ringtime'));
    const queue = get(h, 'queue');
    if (queue !== undefined) call.queue = queue;
    const leg = this.channelOf(get(h, 'destuniqueid'))?.leg ?? null;
    if (leg !== null) {
      if (!leg.answered && leg.endedAt === null) this.answerLeg(call, leg, t, ring, out);
      else if (leg.answered && ring !== null && leg.ringSeconds !== ring) {
        leg.ringSeconds = ring;
        legChanged(call, leg);
      }
      return out;
    }
    if (call.answeredAt === null) {
      // The agent's channel was never seen (a lost Newchannel): record the answer from this event alone.
      const iface = get(h, 'interface') ?? get(h, 'destchannel') ?? 'unknown';
      const fake: LegState = {
        extension: interfaceExtension(iface),
        iface,
        memberName: get(h, 'membername') ?? null,
        queue: queue ?? null,
        channel: get(h, 'destchannel') ?? '',
        uniqueid: get(h, 'destuniqueid') ?? '',
        offeredAt: t,
        endedAt: null,
        ringSeconds: null,
        answered: false,
        reason: null,
        view: null,
      };
      this.keepLeg(call, fake, out);
      this.answerLeg(call, fake, t, ring, out);
    }
    return out;
  }

  private onAgentComplete(h: Headers): TrackerEvent[] {
    const caller = this.channelOf(get(h, 'uniqueid'));
    if (caller === undefined) return [];
    const call = caller.call;
    const hold = int(get(h, 'holdtime'));
    if (hold !== null && call.asteriskHold === null) call.asteriskHold = hold;
    const talk = int(get(h, 'talktime'));
    if (talk !== null) call.asteriskTalk = (call.asteriskTalk ?? 0) + talk;
    return [];
  }

  private onAgentRingNoAnswer(h: Headers, t: number): TrackerEvent[] {
    const dest = this.channelOf(get(h, 'destuniqueid'));
    const leg = dest?.leg ?? null;
    if (dest === undefined || leg === null || leg.endedAt !== null) return [];
    // RingTime here is in milliseconds (1000 for a one-second ring in these recordings), whatever the docs say.
    const ms = int(get(h, 'ringtime'));
    const out: TrackerEvent[] = [];
    this.endLeg(dest.call, leg, t, 'no-answer', ms === null ? null : Math.round(ms / 1000), out);
    return out;
  }

  private offer(
    call: CallState,
    dest: ChannelState,
    who: { extension: string | null; iface: string; memberName: string | null; queue: string | null },
    t: number,
    out: TrackerEvent[],
  ): void {
    const leg: LegState = {
      extension: who.extension,
      iface: who.iface,
      memberName: who.memberName,
      queue: who.queue,
      channel: dest.name,
      uniqueid: dest.uniqueid,
      offeredAt: t,
      endedAt: null,
      ringSeconds: null,
      answered: false,
      reason: null,
      view: null,
    };
    dest.leg = leg;
    this.keepLeg(call, leg, out);
    out.push({ type: 'call.offered', call: this.liveView(call), leg: legView(leg) });
  }

  /** Keeps a leg in the call's record; past the cap it still lives on its channel, it is only counted. */
  private keepLeg(call: CallState, leg: LegState, out: TrackerEvent[]): void {
    if (call.legs.length < MAX_LEGS_PER_CALL) {
      call.legs.push(leg);
      call.legsView = null;
    } else {
      call.legsDropped++;
      this.warnCallLimit(call, `more than ${MAX_LEGS_PER_CALL} agent offers`, out);
    }
  }

  private answerLeg(
    call: CallState,
    leg: LegState,
    t: number,
    ring: number | null,
    out: TrackerEvent[],
  ): void {
    leg.answered = true;
    leg.reason = 'answered';
    leg.endedAt = t;
    leg.ringSeconds = ring ?? seconds(leg.offeredAt, t);
    legChanged(call, leg);
    if (call.answeredAt === null) {
      call.answeredAt = t;
      call.agentExtension = leg.extension;
      call.agentInterface = leg.iface;
      call.agentName = leg.memberName;
    }
    out.push({ type: 'call.answered', call: this.liveView(call), leg: legView(leg) });
  }

  private endLeg(
    call: CallState,
    leg: LegState,
    t: number,
    reason: OfferEndReason,
    ring: number | null,
    out: TrackerEvent[],
  ): void {
    leg.endedAt = t;
    leg.reason = reason;
    leg.ringSeconds = ring ?? seconds(leg.offeredAt, t);
    legChanged(call, leg);
    out.push({ type: 'call.offer-ended', call: this.liveView(call), leg: legView(leg), reason });
  }

  private cancelReason(call: CallState): OfferEndReason {
    if (call.answeredAt !== null) return 'answered-elsewhere';
    return call.callerGone ? 'caller-hungup' : 'cancelled';
  }

  /** The destination channel of an AgentCalled/DialBegin, adopted into the call if its Newchannel was missed. */
  private destChannel(call: CallState, h: Headers, out: TrackerEvent[]): ChannelState | null {
    const uid = get(h, 'destuniqueid');
    if (uid === undefined) return null;
    const known = this.channels.get(uid);
    if (known !== undefined) return known;
    return this.addChannel(call, uid, get(h, 'destchannel') ?? uid, out);
  }

  private channelOf(uid: string | undefined): ChannelState | undefined {
    return uid === undefined ? undefined : this.channels.get(uid);
  }

  /** The calling agent's own device, described as a leg (for `call.answered` of an outbound call). */
  private originatorLeg(call: CallState, t: number): AgentLeg {
    const at = new Date(t);
    return {
      extension: call.originatorExtension,
      interface: call.originatorDevice,
      memberName: null,
      queue: null,
      channel: call.channels.get(call.firstUniqueid)?.name ?? call.originatorDevice,
      uniqueid: call.firstUniqueid,
      offeredAt: new Date(call.startedAt),
      endedAt: at,
      ringSeconds: seconds(call.startedAt, t),
      answered: true,
      reason: 'answered',
    };
  }

  // ---- queue callers, originate, transfers ------------------------------------------------------

  private onQueueCallerJoin(h: Headers, t: number): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    const queue = get(h, 'queue');
    if (uid === undefined || queue === undefined) return [];
    const out: TrackerEvent[] = [];
    const q = this.queueModel(queue, out);
    if (q !== null) this.addWaiting(q, uid, t, out);
    const ch = this.channels.get(uid);
    if (ch !== undefined) {
      const call = ch.call;
      this.touch(call);
      ch.callerSide = true;
      call.queue = queue;
      call.queuedAt ??= t;
      const position = int(get(h, 'position')) ?? q?.waiting.size ?? 0;
      out.push({ type: 'call.queued', call: this.liveView(call), queue, position });
    }
    if (q !== null) out.push({ type: 'queue.stats', queue: this.queueView(q, t) });
    return out;
  }

  private onQueueCallerLeave(h: Headers, t: number): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    if (uid === undefined || !this.waitingByUid.has(uid)) return [];
    const out: TrackerEvent[] = [];
    this.dropWaiting(uid, t, out);
    return out;
  }

  private onQueueCallerAbandon(h: Headers): TrackerEvent[] {
    const ch = this.channelOf(get(h, 'uniqueid'));
    if (ch === undefined) return [];
    const call = ch.call;
    call.abandoned = true;
    call.abandonWait = int(get(h, 'holdtime'));
    call.queue = get(h, 'queue') ?? call.queue;
    return [];
  }

  private onQueueEntry(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const uid = get(h, 'uniqueid');
    const queue = get(h, 'queue');
    if (uid === undefined || queue === undefined || this.waitingByUid.has(uid)) return out;
    const q = this.queueModel(queue, out);
    if (q === null) return out;
    this.addWaiting(q, uid, t - (int(get(h, 'wait')) ?? 0) * 1000, out);
    out.push({ type: 'queue.stats', queue: this.queueView(q, t) });
    return out;
  }

  private onOriginateResponse(h: Headers): TrackerEvent[] {
    const ch = this.channelOf(get(h, 'uniqueid'));
    if (ch === undefined) return [];
    const call = ch.call;
    call.originateActionId ??= get(h, 'actionid') ?? null;
    if (get(h, 'response') === 'Failure') call.originateFailure = get(h, 'reason') ?? '0';
    if (call.toNumber === null) {
      // Click-to-call: the agent's phone is the first channel; the number to call is the Originate's Exten.
      const exten = get(h, 'exten');
      if (exten !== undefined && exten.length > 0 && exten !== 's' && exten !== call.originatorExtension) {
        call.toNumber = exten;
      }
    }
    return [];
  }

  private onTransfer(h: Headers, t: number, kind: TransferKind): TrackerEvent[] {
    if (get(h, 'result') !== 'Success') return [];
    const blind = kind === 'blind';
    const ch =
      this.channelOf(get(h, 'transfereeuniqueid')) ??
      this.channelOf(get(h, blind ? 'transfereruniqueid' : 'origtransfereruniqueid')) ??
      (blind ? undefined : this.channelOf(get(h, 'secondtransfereruniqueid')));
    if (ch === undefined) return [];
    const call = ch.call;
    this.touch(call);
    const transferer = get(h, blind ? 'transfererchannel' : 'origtransfererchannel');
    const fromExtension =
      (transferer === undefined ? null : channelExtension(transferer)) ?? call.agentExtension;
    const toExtension = blind
      ? (get(h, 'extension') ?? null)
      : (knownCallerId(get(h, 'secondtransfererconnectedlinenum')) ?? get(h, 'destapp') ?? null);
    const out: TrackerEvent[] = [];
    if (call.transfers.length >= MAX_TRANSFERS_PER_CALL) {
      this.warnCallLimit(call, `more than ${MAX_TRANSFERS_PER_CALL} transfers`, out);
      return out;
    }
    const transfer: Transfer = Object.freeze({ kind, fromExtension, toExtension, at: new Date(t) });
    call.transfers.push(transfer);
    call.transfersView = null;
    out.push({ type: 'call.transferred', call: this.liveView(call), transfer });
    return out;
  }

  // ---- extensions, members, queues --------------------------------------------------------------

  private onDeviceStateChange(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const device = get(h, 'device');
    // Local/… device states follow the Local channels of each ring attempt, not the phone: skip them.
    if (device === undefined || device.startsWith('Local/')) return out;
    const extension = interfaceExtension(device);
    if (extension === null) return out;
    this.setExtension(extension, DEVICE_STATE[get(h, 'state') ?? ''] ?? 'unknown', device, t, out);
    return out;
  }

  private onExtensionStatus(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const exten = get(h, 'exten');
    const code = int(get(h, 'status'));
    if (exten === undefined || exten.length === 0 || exten.length > 64 || code === null) return out;
    const context = get(h, 'context');
    this.setExtension(exten, hintStatus(code), context ? `${exten}@${context}` : exten, t, out);
    return out;
  }

  private setExtension(
    extension: string,
    status: ExtensionStatus,
    source: string,
    t: number,
    out: TrackerEvent[],
  ): void {
    const prev = this.exts.get(extension);
    if (prev !== undefined && prev.status === status) return;
    if (prev === undefined && this.exts.size >= MAX_EXTENSIONS) {
      this.warnModelLimit(`more than ${MAX_EXTENSIONS} extensions`, out);
      return;
    }
    const ext: ExtensionState = Object.freeze({ extension, status, source, updatedAt: new Date(t) });
    this.exts.set(extension, ext);
    out.push({ type: 'extension.state', ext });
  }

  private onMember(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const queue = get(h, 'queue');
    // QueueMember (a QueueStatus list item) says Location/Name where the events say Interface/MemberName.
    const iface = get(h, 'interface') ?? get(h, 'location');
    if (queue === undefined || iface === undefined) return out;
    const key = `${queue}\n${iface}`;
    const prev = this.members.get(key);
    if (prev === undefined && this.members.size >= MAX_MEMBERS) {
      this.warnModelLimit(`more than ${MAX_MEMBERS} queue members`, out);
      return out;
    }
    const stateInterface = get(h, 'stateinterface') ?? prev?.stateInterface ?? null;
    const code = int(get(h, 'status'));
    const pausedHeader = get(h, 'paused');
    const paused = pausedHeader === undefined ? (prev?.paused ?? false) : pausedHeader === '1';
    const reason = get(h, 'pausedreason') ?? get(h, 'reason');
    const lastCall = int(get(h, 'lastcall'));
    const member: QueueMemberState = {
      queue,
      interface: iface,
      extension:
        interfaceExtension(iface) ?? (stateInterface === null ? null : interfaceExtension(stateInterface)),
      name: get(h, 'membername') ?? get(h, 'name') ?? prev?.name ?? iface,
      stateInterface,
      membership: get(h, 'membership') ?? prev?.membership ?? null,
      loggedIn: true,
      paused,
      pausedReason: paused
        ? reason || (pausedHeader === undefined ? (prev?.pausedReason ?? null) : null)
        : null,
      status: code === null ? (prev?.status ?? 'unknown') : (DEVICE_CODE[code] ?? 'unknown'),
      inCall: get(h, 'incall') === undefined ? (prev?.inCall ?? false) : get(h, 'incall') === '1',
      callsTaken: int(get(h, 'callstaken')) ?? prev?.callsTaken ?? 0,
      lastCallAt:
        lastCall === null ? (prev?.lastCallAt ?? null) : lastCall > 0 ? new Date(lastCall * 1000) : null,
      penalty: int(get(h, 'penalty')) ?? prev?.penalty ?? 0,
      updatedAt: new Date(t),
    };
    if (prev === undefined || !sameMember(prev, member)) {
      this.members.set(key, Object.freeze(member));
      out.push({ type: 'member.status', member });
    }
    if (code !== null && member.extension !== null) {
      this.setExtension(member.extension, member.status, stateInterface ?? iface, t, out);
    }
    return out;
  }

  private onMemberRemoved(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const queue = get(h, 'queue');
    const iface = get(h, 'interface') ?? get(h, 'location');
    if (queue === undefined || iface === undefined) return out;
    const key = `${queue}\n${iface}`;
    const prev = this.members.get(key);
    this.members.delete(key);
    out.push({
      type: 'member.status',
      member: {
        queue,
        interface: iface,
        extension: interfaceExtension(iface),
        name: get(h, 'membername') ?? prev?.name ?? iface,
        stateInterface: get(h, 'stateinterface') ?? prev?.stateInterface ?? null,
        membership: get(h, 'membership') ?? prev?.membership ?? null,
        loggedIn: false,
        paused: false,
        pausedReason: null,
        status: prev?.status ?? 'unknown',
        inCall: false,
        callsTaken: int(get(h, 'callstaken')) ?? prev?.callsTaken ?? 0,
        lastCallAt: prev?.lastCallAt ?? null,
        penalty: int(get(h, 'penalty')) ?? prev?.penalty ?? 0,
        updatedAt: new Date(t),
      },
    });
    return out;
  }

  private onQueueParams(h: Headers, t: number, out: TrackerEvent[]): TrackerEvent[] {
    const queue = get(h, 'queue');
    if (queue === undefined) return out;
    const q = this.updateQueueParams(h, queue, out);
    if (q !== null) out.push({ type: 'queue.stats', queue: this.queueView(q, t) });
    return out;
  }

  private updateQueueParams(h: Headers, queue: string, out: TrackerEvent[]): QueueModel | null {
    const q = this.queueModel(queue, out);
    if (q === null) return null;
    q.strategy = get(h, 'strategy') ?? q.strategy;
    q.completed = int(get(h, 'completed')) ?? q.completed;
    q.abandoned = int(get(h, 'abandoned')) ?? q.abandoned;
    q.holdTime = int(get(h, 'holdtime')) ?? q.holdTime;
    q.talkTime = int(get(h, 'talktime')) ?? q.talkTime;
    return q;
  }

  private queueModel(name: string, out: TrackerEvent[]): QueueModel | null {
    const known = this.queueModels.get(name);
    if (known !== undefined) return known;
    if (this.queueModels.size >= MAX_QUEUES) {
      this.warnModelLimit(`more than ${MAX_QUEUES} queues`, out);
      return null;
    }
    const q: QueueModel = {
      name,
      waiting: new Map(),
      strategy: null,
      completed: null,
      abandoned: null,
      holdTime: null,
      talkTime: null,
      lastAt: 0,
    };
    this.queueModels.set(name, q);
    return q;
  }

  private addWaiting(q: QueueModel, uid: string, joinedAt: number, out: TrackerEvent[]): void {
    if (this.waitingByUid.has(uid)) return;
    if (this.waitingByUid.size >= MAX_WAITING) {
      this.warnModelLimit(`more than ${MAX_WAITING} waiting callers`, out);
      return;
    }
    q.waiting.set(uid, joinedAt);
    this.waitingByUid.set(uid, q);
  }

  private dropWaiting(uid: string, t: number, out: TrackerEvent[]): void {
    const q = this.waitingByUid.get(uid);
    if (q === undefined) return;
    this.waitingByUid.delete(uid);
    q.waiting.delete(uid);
    out.push({ type: 'queue.stats', queue: this.queueView(q, t) });
  }

  private queueView(q: QueueModel, t: number): QueueState {
    if (t > q.lastAt) q.lastAt = t;
    const now = q.lastAt;
    // Map order is join order, so the first entry has waited longest.
    const oldest = q.waiting.size === 0 ? null : (q.waiting.values().next().value as number);
    return {
      queue: q.name,
      callersWaiting: q.waiting.size,
      oldestWaitingSince: oldest === null ? null : new Date(oldest),
      longestWaitSeconds: oldest === null ? 0 : seconds(oldest, now),
      strategy: q.strategy,
      completed: q.completed,
      abandoned: q.abandoned,
      holdTimeSeconds: q.holdTime,
      talkTimeSeconds: q.talkTime,
      updatedAt: new Date(now),
    };
  }

  // ---- views and records ------------------------------------------------------------------------

  private direction(call: CallState): CallDirection {
    if (call.originatorExtension === null) return 'inbound';
    if (call.externalDialed) return 'outbound';
    if (call.toNumber !== null) return isExtensionNumber(call.toNumber) ? 'internal' : 'outbound';
    for (const leg of call.legs) {
      if (leg.extension !== null && leg.extension !== call.originatorExtension) return 'internal';
    }
    return 'outbound';
  }

  private outcome(call: CallState, direction: CallDirection): CallOutcome {
    const answered = call.answeredAt !== null && (!call.externalDialed || call.externalAnswered);
    if (answered) return 'answered';
    if (direction === 'inbound') {
      if (call.abandoned) return 'abandoned';
      // Offered to agents (or queued) and nobody took it: missed. Hung up before that (IVR): abandoned.
      return call.legs.length > 0 || call.legsDropped > 0 || call.queue !== null ? 'missed' : 'abandoned';
    }
    const status = call.externalDialed ? call.externalStatus : call.lastDialStatus;
    switch (status) {
      case 'BUSY':
        return 'busy';
      case 'CHANUNAVAIL':
      case 'CONGESTION':
      case 'INVALIDARGS':
        return 'failed';
      case null:
        break;
      default:
        return 'no_answer';
    }
    switch (call.originateFailure) {
      case null:
        break;
      case '5': // busy
        return 'busy';
      case '3': // rang, no answer
      case '1': // hung up
        return 'no_answer';
      default:
        return 'failed';
    }
    return call.legs.length > 0 ? 'no_answer' : 'failed';
  }

  private liveView(call: CallState): LiveCall {
    return {
      pbx: this.pbx,
      linkedid: call.linkedid,
      direction: this.direction(call),
      status: call.ended ? 'complete' : call.answeredAt !== null ? 'in_progress' : 'entered',
      fromNumber: call.fromNumber,
      fromName: call.fromName,
      toNumber: call.toNumber,
      queue: call.queue,
      agentExtension: call.agentExtension,
      agentInterface: call.agentInterface,
      agentName: call.agentName,
      startedAt: new Date(call.startedAt),
      queuedAt: call.queuedAt === null ? null : new Date(call.queuedAt),
      answeredAt: call.answeredAt === null ? null : new Date(call.answeredAt),
      legs: legsView(call),
      transfers: transfersView(call),
      variables: variablesView(call),
      recordingPath: call.recordingPath,
      originateActionId: call.originateActionId,
    };
  }

  private record(call: CallState, t: number, note: string | null): CallRecord {
    const direction = this.direction(call);
    const outcome = this.outcome(call, direction);
    const answeredAt = outcome === 'answered' ? call.answeredAt : null;
    const waitFrom = call.queuedAt ?? call.startedAt;
    let waitSeconds: number;
    let talkSeconds = 0;
    if (answeredAt !== null) {
      waitSeconds = call.asteriskHold ?? seconds(waitFrom, answeredAt);
      // AgentComplete's TalkTime covers the queue agent's part only; after a transfer use the clock.
      talkSeconds =
        call.asteriskTalk !== null && call.transfers.length === 0
          ? call.asteriskTalk
          : seconds(answeredAt, t);
    } else {
      waitSeconds = call.abandoned && call.abandonWait !== null ? call.abandonWait : seconds(waitFrom, t);
    }
    const placedByAgent = direction !== 'inbound';
    return {
      pbx: this.pbx,
      linkedid: call.linkedid,
      direction,
      status: 'complete',
      outcome,
      fromNumber: call.fromNumber ?? (placedByAgent ? call.originatorExtension : null),
      fromName: call.fromName,
      toNumber: call.toNumber,
      queue: call.queue,
      agentExtension: call.agentExtension ?? (placedByAgent ? call.originatorExtension : null),
      agentInterface: call.agentInterface ?? (placedByAgent ? call.originatorDevice : null),
      agentName: call.agentName,
      startedAt: new Date(call.startedAt),
      answeredAt: answeredAt === null ? null : new Date(answeredAt),
      endedAt: new Date(t),
      waitSeconds,
      talkSeconds,
      // A call closed by the tracker itself has no cause of its own: a leg's cause would mislead.
      hangupCause: call.hangupCause ?? (note === null ? call.lastCause : null),
      hangupCauseText:
        call.hangupCause !== null ? call.hangupCauseText : note === null ? call.lastCauseText : null,
      recordingPath: call.recordingPath,
      transfers: transfersView(call),
      legs: legsView(call),
      legsDropped: call.legsDropped,
      variables: variablesView(call),
      originateActionId: call.originateActionId,
      note,
    };
  }

  // ---- warnings ---------------------------------------------------------------------------------

  private warnCallLimit(call: CallState, what: string, out: TrackerEvent[]): void {
    if (call.limitWarned) return;
    call.limitWarned = true;
    out.push({
      type: 'tracker.warning',
      code: TrackerWarningCode.CallLimitReached,
      message: `call ${call.linkedid}: ${what}; the excess is not kept`,
      linkedid: call.linkedid,
    });
  }

  private warnModelLimit(what: string, out: TrackerEvent[]): void {
    if (this.modelLimitWarned) return;
    this.modelLimitWarned = true;
    out.push({
      type: 'tracker.warning',
      code: TrackerWarningCode.ModelLimitReached,
      message: `${what}; new entries are ignored until the next snapshot`,
    });
  }
}

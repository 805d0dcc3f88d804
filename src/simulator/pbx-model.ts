import { header, headerList, type AmiMessage } from '../protocol/ami/ami-message.js';
import { actionIdField, formatFrame, type AmiFields } from './ami-frame.js';
import type { PbxConfig } from './lab-config.js';

/** Asterisk device states (enum ast_device_state), by number. */
export const DEVICE_STATES = [
  'UNKNOWN',
  'NOT_INUSE',
  'INUSE',
  'BUSY',
  'INVALID',
  'UNAVAILABLE',
  'RINGING',
  'RINGINUSE',
  'ONHOLD',
] as const;

const HANGUP_CAUSES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  16: 'Normal Clearing',
  17: 'User busy',
  19: 'No user responding',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  34: 'Circuit/channel congestion',
  127: 'Interworking, unspecified',
};

/** Limits on what the network feeds into the model (replayed or emitted events). */
const MAX_CHANNELS = 20_000;
const MAX_DEVICES = 10_000;
/** ast_config_AST_MONITOR_DIR of the recorded lab (the fixtures' recordings live there). */
const MONITOR_DIR = '/var/spool/asterisk/monitor';
const MAX_VARS_PER_CHANNEL = 64;
const MAX_GLOBALS = 1_000;
const MAX_CALLERS_PER_QUEUE = 10_000;
const MAX_MEMBERS_PER_QUEUE = 1_000;

export interface ModelChannel {
  name: string;
  state: string;
  stateDesc: string;
  callerIdNum: string;
  callerIdName: string;
  connectedNum: string;
  connectedName: string;
  language: string;
  accountCode: string;
  context: string;
  exten: string;
  priority: string;
  uniqueid: string;
  linkedid: string;
  application: string;
  appData: string;
  bridgeId: string;
  createdAtMs: number;
  readonly vars: Map<string, string>;
}

export interface ModelMember {
  readonly interface: string;
  name: string;
  stateInterface: string;
  membership: 'static' | 'dynamic';
  penalty: number;
  callsTaken: number;
  lastCall: number;
  lastPause: number;
  loginTime: number;
  inCall: number;
  status: number;
  paused: boolean;
  pausedReason: string;
  ringinuse: boolean;
  wrapuptime: number;
}

export interface ModelCaller {
  readonly channel: string;
  readonly uniqueid: string;
  readonly callerIdNum: string;
  readonly callerIdName: string;
  readonly connectedNum: string;
  readonly connectedName: string;
  readonly joinedAtMs: number;
}

export interface ModelQueue {
  readonly name: string;
  readonly strategy: string;
  readonly ringinuse: boolean;
  /** keyed by lower-cased interface (Asterisk compares interfaces case-insensitively) */
  readonly members: Map<string, ModelMember>;
  callers: ModelCaller[];
  holdtime: number;
  talktime: number;
  completed: number;
  abandoned: number;
}

/** Result of a queue administration request: an error message for the response, or events to send. */
export interface ModelChange {
  readonly error?: string;
  readonly events: string[];
}

/** Event text plus its class bits, ready to broadcast. */
const agentEvent = (name: string, fields: AmiFields): string =>
  formatFrame([['Event', name], ['Privilege', 'agent,all'], ...fields]);
const deviceStateEvent = (device: string, state: string): string =>
  formatFrame([
    ['Event', 'DeviceStateChange'],
    ['Privilege', 'call,all'],
    ['Device', device],
    ['State', state],
  ]);

/**
 * What the simulated PBX knows: channels (as told by the events it sent), queues and their members,
 * device states and global variables. Fed by every event the simulator sends, so that the answers
 * to CoreShowChannels, QueueStatus and friends are true to what clients saw.
 */
export class PbxModel {
  private readonly channels = new Map<string, ModelChannel>();
  private readonly queues = new Map<string, ModelQueue>();
  private readonly devices = new Map<string, string>();
  private readonly globals = new Map<string, string>();
  private bootMs = 0;

  constructor(
    private readonly config: PbxConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.reboot();
  }

  /** Back to the state of a freshly started Asterisk: no channels, static members only, stats zero. */
  reboot(): void {
    this.bootMs = this.now();
    this.channels.clear();
    this.queues.clear();
    this.devices.clear();
    this.globals.clear();
    const login = Math.floor(this.bootMs / 1000);
    for (const q of this.config.queues) {
      const members = new Map<string, ModelMember>();
      for (const m of q.members) {
        members.set(m.interface.toLowerCase(), {
          interface: m.interface,
          name: m.name,
          stateInterface: m.stateInterface,
          membership: 'static',
          penalty: m.penalty,
          callsTaken: 0,
          lastCall: 0,
          lastPause: 0,
          loginTime: login,
          inCall: 0,
          status: 1,
          paused: false,
          pausedReason: '',
          ringinuse: q.ringinuse,
          wrapuptime: 0,
        });
        this.devices.set(`Queue:${q.name}_pause_${m.interface}`, 'NOT_INUSE');
        this.devices.set(m.stateInterface, 'NOT_INUSE');
      }
      this.queues.set(q.name, {
        name: q.name,
        strategy: q.strategy,
        ringinuse: q.ringinuse,
        members,
        callers: [],
        holdtime: 0,
        talktime: 0,
        completed: 0,
        abandoned: 0,
      });
      this.devices.set(`Queue:${q.name}_avail`, 'NOT_INUSE');
      this.devices.set(`Queue:${q.name}`, 'NOT_INUSE');
    }
  }

  get uptimeSec(): number {
    return Math.max(0, Math.floor((this.now() - this.bootMs) / 1000));
  }

  get channelCount(): number {
    return this.channels.size;
  }

  listChannels(): ModelChannel[] {
    return [...this.channels.values()];
  }

  findChannel(name: string): ModelChannel | undefined {
    return this.channels.get(name);
  }

  listQueues(): ModelQueue[] {
    return [...this.queues.values()];
  }

  findQueue(name: string): ModelQueue | undefined {
    return this.queues.get(name);
  }

  listDevices(): [string, string][] {
    return [...this.devices.entries()];
  }

  getGlobal(name: string): string | undefined {
    return this.globals.get(name);
  }

  setGlobal(name: string, value: string): void {
    if (!this.globals.has(name) && this.globals.size >= MAX_GLOBALS) return;
    this.globals.set(name, value);
  }

  // ---------------------------------------------------------------- events in

  /** Learn from one event the simulator sends (replayed, generated or emitted by a test). */
  apply(msg: AmiMessage): void {
    const name = header(msg, 'event');
    if (name === undefined) return;
    // list items answering an action (ActionID, no Privilege) describe state, they do not change it
    if (header(msg, 'actionid') !== undefined && header(msg, 'privilege') === undefined) return;

    switch (name) {
      case 'Newchannel':
        this.addChannel(msg);
        return;
      case 'Hangup': {
        const ch = header(msg, 'channel');
        if (ch !== undefined) this.channels.delete(ch);
        return;
      }
      case 'Rename': {
        const ch = this.channels.get(header(msg, 'channel') ?? '');
        const newname = header(msg, 'newname');
        if (ch && newname) {
          this.channels.delete(ch.name);
          ch.name = newname;
          this.channels.set(newname, ch);
        }
        return;
      }
      case 'DeviceStateChange': {
        const device = header(msg, 'device');
        const state = header(msg, 'state');
        if (device !== undefined && state !== undefined) this.setDevice(device, state);
        return;
      }
      case 'QueueMemberStatus':
      case 'QueueMemberAdded':
      case 'QueueMemberPause':
      case 'QueueMemberPenalty':
      case 'QueueMemberRinginuse':
        this.applyMemberBlob(msg, name === 'QueueMemberAdded');
        return;
      case 'QueueMemberRemoved': {
        const q = this.queues.get(header(msg, 'queue') ?? '');
        q?.members.delete((header(msg, 'interface') ?? '').toLowerCase());
        return;
      }
      case 'QueueCallerJoin': {
        const q = this.queues.get(header(msg, 'queue') ?? '');
        if (q && q.callers.length < MAX_CALLERS_PER_QUEUE) {
          q.callers.push({
            channel: header(msg, 'channel') ?? '',
            uniqueid: header(msg, 'uniqueid') ?? '',
            callerIdNum: header(msg, 'calleridnum') ?? '',
            callerIdName: header(msg, 'calleridname') ?? '',
            connectedNum: header(msg, 'connectedlinenum') ?? '',
            connectedName: header(msg, 'connectedlinename') ?? '',
            joinedAtMs: this.now(),
          });
        }
        this.touchChannel(msg);
        return;
      }
      case 'QueueCallerLeave': {
        const q = this.queues.get(header(msg, 'queue') ?? '');
        const uid = header(msg, 'uniqueid');
        if (q) q.callers = q.callers.filter((c) => c.uniqueid !== uid);
        this.touchChannel(msg);
        return;
      }
      case 'QueueCallerAbandon': {
        const q = this.queues.get(header(msg, 'queue') ?? '');
        if (q) q.abandoned++;
        this.touchChannel(msg);
        return;
      }
      case 'AgentComplete': {
        const q = this.queues.get(header(msg, 'queue') ?? '');
        if (q) {
          q.completed++;
          // app_queue's rolling averages: new = (3 * old + sample) / 4
          q.holdtime = Math.floor((q.holdtime * 3 + Number(header(msg, 'holdtime') ?? 0)) / 4);
          q.talktime = Math.floor((q.talktime * 3 + Number(header(msg, 'talktime') ?? 0)) / 4);
          // the member's CallsTaken arrives in the QueueMemberStatus that Asterisk sends with the call's end
        }
        this.touchChannel(msg);
        return;
      }
      default:
        this.touchChannel(msg);
    }
  }

  private addChannel(msg: AmiMessage): void {
    const name = header(msg, 'channel');
    if (name === undefined) return;
    if (!this.channels.has(name) && this.channels.size >= MAX_CHANNELS) {
      // a recording that never hangs up must not grow the model without bound: forget the oldest
      const oldest = this.channels.keys().next().value;
      if (oldest !== undefined) this.channels.delete(oldest);
    }
    this.channels.set(name, {
      name,
      state: header(msg, 'channelstate') ?? '0',
      stateDesc: header(msg, 'channelstatedesc') ?? 'Down',
      callerIdNum: header(msg, 'calleridnum') ?? '<unknown>',
      callerIdName: header(msg, 'calleridname') ?? '<unknown>',
      connectedNum: header(msg, 'connectedlinenum') ?? '<unknown>',
      connectedName: header(msg, 'connectedlinename') ?? '<unknown>',
      language: header(msg, 'language') ?? 'en',
      accountCode: header(msg, 'accountcode') ?? '',
      context: header(msg, 'context') ?? '',
      exten: header(msg, 'exten') ?? '',
      priority: header(msg, 'priority') ?? '1',
      uniqueid: header(msg, 'uniqueid') ?? '',
      linkedid: header(msg, 'linkedid') ?? header(msg, 'uniqueid') ?? '',
      application: '',
      appData: '',
      bridgeId: '',
      createdAtMs: this.now(),
      vars: new Map(),
    });
  }

  /** Every channel event carries the channel's snapshot: keep the tracked channel up to date. */
  private touchChannel(msg: AmiMessage): void {
    const name = header(msg, 'channel');
    const ch = name === undefined ? undefined : this.channels.get(name);
    if (!ch) return;
    const set = (key: string, apply: (v: string) => void): void => {
      const v = header(msg, key);
      if (v !== undefined) apply(v);
    };
    set('channelstate', (v) => (ch.state = v));
    set('channelstatedesc', (v) => (ch.stateDesc = v));
    set('calleridnum', (v) => (ch.callerIdNum = v));
    set('calleridname', (v) => (ch.callerIdName = v));
    set('connectedlinenum', (v) => (ch.connectedNum = v));
    set('connectedlinename', (v) => (ch.connectedName = v));
    set('language', (v) => (ch.language = v));
    set('accountcode', (v) => (ch.accountCode = v));
    set('context', (v) => (ch.context = v));
    set('exten', (v) => (ch.exten = v));
    set('priority', (v) => (ch.priority = v));
    set('linkedid', (v) => (ch.linkedid = v));
    switch (header(msg, 'event')) {
      case 'Newexten':
        ch.application = header(msg, 'application') ?? '';
        ch.appData = header(msg, 'appdata') ?? '';
        break;
      case 'VarSet': {
        const variable = header(msg, 'variable');
        if (variable !== undefined && (ch.vars.has(variable) || ch.vars.size < MAX_VARS_PER_CHANNEL)) {
          ch.vars.set(variable, header(msg, 'value') ?? '');
        }
        break;
      }
      case 'BridgeEnter':
        ch.bridgeId = header(msg, 'bridgeuniqueid') ?? '';
        break;
      case 'BridgeLeave':
        ch.bridgeId = '';
        break;
    }
  }

  private setDevice(device: string, state: string): void {
    if (!this.devices.has(device) && this.devices.size >= MAX_DEVICES) {
      const oldest = this.devices.keys().next().value;
      if (oldest !== undefined) this.devices.delete(oldest);
    }
    this.devices.set(device, state);
  }

  /** Queue member events all carry the same member blob: adopt it. */
  private applyMemberBlob(msg: AmiMessage, create: boolean): void {
    const q = this.queues.get(header(msg, 'queue') ?? '');
    const iface = header(msg, 'interface');
    if (!q || iface === undefined) return;
    let m = q.members.get(iface.toLowerCase());
    if (!m) {
      if (!create || q.members.size >= MAX_MEMBERS_PER_QUEUE) return;
      m = this.newMember(q, iface, iface, iface, 0, false, '');
      m.membership = 'dynamic';
      q.members.set(iface.toLowerCase(), m);
    }
    const num = (key: string, apply: (n: number) => void): void => {
      const v = header(msg, key);
      if (v !== undefined && v !== '' && !Number.isNaN(Number(v))) apply(Number(v));
    };
    const str = (key: string, apply: (v: string) => void): void => {
      const v = header(msg, key);
      if (v !== undefined) apply(v);
    };
    str('membername', (v) => (m.name = v));
    str('stateinterface', (v) => (m.stateInterface = v));
    str('membership', (v) => (m.membership = v === 'static' ? 'static' : 'dynamic'));
    num('penalty', (n) => (m.penalty = n));
    num('callstaken', (n) => (m.callsTaken = n));
    num('lastcall', (n) => (m.lastCall = n));
    num('lastpause', (n) => (m.lastPause = n));
    num('logintime', (n) => (m.loginTime = n));
    num('incall', (n) => (m.inCall = n));
    num('status', (n) => (m.status = n));
    num('paused', (n) => (m.paused = n !== 0));
    str('pausedreason', (v) => (m.pausedReason = v));
    num('ringinuse', (n) => (m.ringinuse = n !== 0));
    num('wrapuptime', (n) => (m.wrapuptime = n));
  }

  /**
   * A live call's QueueMemberStatus: only the member's device status and in-call flag come from the
   * template; counters and pause state stay the model's. Returns the event to send (or undefined
   * when the member is not in that queue any more).
   */
  liveMemberStatus(msg: AmiMessage): string | undefined {
    const q = this.queues.get(header(msg, 'queue') ?? '');
    const m = q?.members.get((header(msg, 'interface') ?? '').toLowerCase());
    if (!q || !m) return undefined;
    const status = Number(header(msg, 'status'));
    const inCall = Number(header(msg, 'incall'));
    if (!Number.isNaN(status)) m.status = status;
    if (!Number.isNaN(inCall)) {
      // a queue call this member took has ended: what app_queue counts as a call taken
      if (m.inCall === 1 && inCall === 0) {
        m.callsTaken++;
        m.lastCall = Math.floor(this.now() / 1000);
      }
      m.inCall = inCall;
    }
    return agentEvent('QueueMemberStatus', this.memberBlob(q, m));
  }

  // ---------------------------------------------------------------- builders

  /** The member blob of QueueMemberStatus/Added/Removed/Pause/Penalty, in Asterisk 22's order. */
  memberBlob(q: ModelQueue, m: ModelMember): AmiFields {
    return [
      ['Queue', q.name],
      ['MemberName', m.name],
      ['Interface', m.interface],
      ['StateInterface', m.stateInterface],
      ['Membership', m.membership],
      ['Penalty', String(m.penalty)],
      ['CallsTaken', String(m.callsTaken)],
      ['LastCall', String(m.lastCall)],
      ['LastPause', String(m.lastPause)],
      ['LoginTime', String(m.loginTime)],
      ['InCall', String(m.inCall)],
      ['Status', String(m.status)],
      ['Paused', m.paused ? '1' : '0'],
      ['PausedReason', m.pausedReason],
      ['Ringinuse', m.ringinuse ? '1' : '0'],
      ['Wrapuptime', String(m.wrapuptime)],
    ];
  }

  /** Channel snapshot fields as in Newchannel (`prefix` `Dest` gives DestChannel, ...). */
  channelFields(ch: ModelChannel, prefix = ''): AmiFields {
    return [
      [`${prefix}Channel`, ch.name],
      [`${prefix}ChannelState`, ch.state],
      [`${prefix}ChannelStateDesc`, ch.stateDesc],
      [`${prefix}CallerIDNum`, ch.callerIdNum],
      [`${prefix}CallerIDName`, ch.callerIdName],
      [`${prefix}ConnectedLineNum`, ch.connectedNum],
      [`${prefix}ConnectedLineName`, ch.connectedName],
      [`${prefix}Language`, ch.language],
      [`${prefix}AccountCode`, ch.accountCode],
      [`${prefix}Context`, ch.context],
      [`${prefix}Exten`, ch.exten],
      [`${prefix}Priority`, ch.priority],
      [`${prefix}Uniqueid`, ch.uniqueid],
      [`${prefix}Linkedid`, ch.linkedid],
    ];
  }

  private isAvailable(m: ModelMember): boolean {
    return !m.paused && (m.status === 0 || m.status === 1);
  }

  private availEvent(q: ModelQueue): string {
    const state = [...q.members.values()].some((m) => this.isAvailable(m)) ? 'NOT_INUSE' : 'INUSE';
    this.setDevice(`Queue:${q.name}_avail`, state);
    return deviceStateEvent(`Queue:${q.name}_avail`, state);
  }

  private pauseEvent(q: ModelQueue, m: ModelMember): string {
    const device = `Queue:${q.name}_pause_${m.interface}`;
    const state = m.paused ? 'INUSE' : 'NOT_INUSE';
    this.setDevice(device, state);
    return deviceStateEvent(device, state);
  }

  private newMember(
    q: ModelQueue,
    iface: string,
    name: string,
    stateInterface: string,
    penalty: number,
    paused: boolean,
    reason: string,
  ): ModelMember {
    const known = this.devices.get(stateInterface);
    const status =
      known === undefined ? 0 : Math.max(0, DEVICE_STATES.indexOf(known as (typeof DEVICE_STATES)[number]));
    const nowSec = Math.floor(this.now() / 1000);
    return {
      interface: iface,
      name,
      stateInterface,
      membership: 'dynamic',
      penalty,
      callsTaken: 0,
      lastCall: 0,
      lastPause: paused ? nowSec : 0,
      loginTime: nowSec,
      inCall: 0,
      status,
      paused,
      pausedReason: paused ? reason : '',
      ringinuse: q.ringinuse,
      wrapuptime: 0,
    };
  }

  // ---------------------------------------------------------------- queue administration

  /** QueueAdd (app_queue add_to_queue): the member, or the error Asterisk answers with. */
  addMember(
    queue: string,
    iface: string,
    name: string | undefined,
    stateInterface: string | undefined,
    penalty: number,
    paused: boolean,
    reason: string,
  ): ModelChange {
    const q = this.queues.get(queue);
    if (!q) return { error: 'Unable to add interface to queue: No such queue', events: [] };
    if (q.members.has(iface.toLowerCase()))
      return { error: 'Unable to add interface: Already there', events: [] };
    if (q.members.size >= MAX_MEMBERS_PER_QUEUE) return { error: 'Out of memory', events: [] };
    const m = this.newMember(q, iface, name || iface, stateInterface || iface, penalty, paused, reason);
    q.members.set(iface.toLowerCase(), m);
    return {
      events: [
        this.pauseEvent(q, m),
        agentEvent('QueueMemberAdded', this.memberBlob(q, m)),
        this.availEvent(q),
      ],
    };
  }

  /** QueueRemove: only dynamic members can be removed. */
  removeMember(queue: string, iface: string): ModelChange {
    const q = this.queues.get(queue);
    if (!q) return { error: 'Unable to remove interface from queue: No such queue', events: [] };
    const m = q.members.get(iface.toLowerCase());
    if (!m) return { error: 'Unable to remove interface: Not there', events: [] };
    if (m.membership !== 'dynamic') return { error: 'Member not dynamic', events: [] };
    q.members.delete(iface.toLowerCase());
    this.devices.delete(`Queue:${q.name}_pause_${m.interface}`);
    return { events: [agentEvent('QueueMemberRemoved', this.memberBlob(q, m)), this.availEvent(q)] };
  }

  /** QueuePause: in one queue, or in every queue the interface is a member of. */
  pauseMember(queue: string | undefined, iface: string, paused: boolean, reason: string): ModelChange {
    const targets = this.membersOf(queue, iface);
    if (targets.length === 0) return { error: 'Interface not found', events: [] };
    const events: string[] = [];
    const nowSec = Math.floor(this.now() / 1000);
    for (const [q, m] of targets) {
      m.paused = paused;
      m.pausedReason = paused ? reason : '';
      if (paused) m.lastPause = nowSec;
      events.push(
        this.pauseEvent(q, m),
        this.availEvent(q),
        agentEvent('QueueMemberPause', this.memberBlob(q, m)),
      );
    }
    return { events };
  }

  /** QueuePenalty. */
  setPenalty(queue: string | undefined, iface: string, penalty: number): ModelChange {
    const targets = this.membersOf(queue, iface);
    if (targets.length === 0 || !Number.isInteger(penalty) || penalty < 0) {
      return { error: 'Invalid interface, queuename or penalty', events: [] };
    }
    return {
      events: targets.map(([q, m]) => {
        m.penalty = penalty;
        return agentEvent('QueueMemberPenalty', this.memberBlob(q, m));
      }),
    };
  }

  private membersOf(queue: string | undefined, iface: string): [ModelQueue, ModelMember][] {
    const out: [ModelQueue, ModelMember][] = [];
    const key = iface.toLowerCase();
    for (const q of this.queues.values()) {
      if (queue && q.name !== queue) continue;
      const m = q.members.get(key);
      if (m) out.push([q, m]);
    }
    return out;
  }

  // ---------------------------------------------------------------- list answers

  /** QueueStatus items: QueueParams, QueueMember per member, QueueEntry per waiting caller. */
  queueStatusItems(
    queueFilter: string | undefined,
    memberFilter: string | undefined,
    actionId?: string,
  ): string[] {
    const id = actionIdField(actionId);
    const items: string[] = [];
    const nowMs = this.now();
    for (const q of this.queues.values()) {
      if (queueFilter && q.name !== queueFilter) continue;
      items.push(
        formatFrame([
          ['Event', 'QueueParams'],
          ['Queue', q.name],
          ['Max', '0'],
          ['Strategy', q.strategy],
          ['Calls', String(q.callers.length)],
          ['Holdtime', String(q.holdtime)],
          ['TalkTime', String(q.talktime)],
          ['Completed', String(q.completed)],
          ['Abandoned', String(q.abandoned)],
          ['ServiceLevel', '0'],
          ['ServicelevelPerf', '0.0'],
          ['ServicelevelPerf2', '0.0'],
          ['Weight', '0'],
          ...id,
        ]),
      );
      for (const m of q.members.values()) {
        if (memberFilter && m.interface !== memberFilter && m.name !== memberFilter) continue;
        items.push(
          formatFrame([
            ['Event', 'QueueMember'],
            ['Queue', q.name],
            ['Name', m.name],
            ['Location', m.interface],
            ['StateInterface', m.stateInterface],
            ['Membership', m.membership],
            ['Penalty', String(m.penalty)],
            ['CallsTaken', String(m.callsTaken)],
            ['LastCall', String(m.lastCall)],
            ['LastPause', String(m.lastPause)],
            ['LoginTime', String(m.loginTime)],
            ['InCall', String(m.inCall)],
            ['Status', String(m.status)],
            ['Paused', m.paused ? '1' : '0'],
            ['PausedReason', m.pausedReason],
            ['Wrapuptime', String(m.wrapuptime)],
            ...id,
          ]),
        );
      }
      q.callers.forEach((c, i) => {
        items.push(
          formatFrame([
            ['Event', 'QueueEntry'],
            ['Queue', q.name],
            ['Position', String(i + 1)],
            ['Channel', c.channel],
            ['Uniqueid', c.uniqueid],
            ['CallerIDNum', c.callerIdNum],
            ['CallerIDName', c.callerIdName],
            ['ConnectedLineNum', c.connectedNum],
            ['ConnectedLineName', c.connectedName],
            ['Wait', String(Math.floor((nowMs - c.joinedAtMs) / 1000))],
            ['Priority', '0'],
            ...id,
          ]),
        );
      });
    }
    return items;
  }

  /** QueueSummary items. */
  queueSummaryItems(queueFilter: string | undefined, actionId?: string): string[] {
    const nowMs = this.now();
    const items: string[] = [];
    for (const q of this.queues.values()) {
      if (queueFilter && q.name !== queueFilter) continue;
      const members = [...q.members.values()];
      const loggedIn = members.filter((m) => m.status !== 4 && m.status !== 5).length;
      const available = members.filter((m) => m.status !== 4 && m.status !== 5 && this.isAvailable(m)).length;
      const longest = q.callers.reduce(
        (max, c) => Math.max(max, Math.floor((nowMs - c.joinedAtMs) / 1000)),
        0,
      );
      items.push(
        formatFrame([
          ['Event', 'QueueSummary'],
          ['Queue', q.name],
          ['LoggedIn', String(loggedIn)],
          ['Available', String(available)],
          ['Callers', String(q.callers.length)],
          ['HoldTime', String(q.holdtime)],
          ['TalkTime', String(q.talktime)],
          ['LongestHoldTime', String(longest)],
          ...actionIdField(actionId),
        ]),
      );
    }
    return items;
  }

  /** The Hangup event for a channel the model knows, which also forgets it. */
  hangup(name: string, cause: number): string[] {
    const ch = this.channels.get(name);
    if (!ch) return [];
    this.channels.delete(name);
    return [
      formatFrame([
        ['Event', 'SoftHangupRequest'],
        ['Privilege', 'call,all'],
        ...this.channelFields(ch),
        ['Cause', String(cause)],
      ]),
      formatFrame([
        ['Event', 'Hangup'],
        ['Privilege', 'call,all'],
        ...this.channelFields(ch),
        ['Cause', String(cause)],
        ['Cause-txt', HANGUP_CAUSES[cause] ?? 'Unknown'],
      ]),
    ];
  }

  /** A VarSet event for a channel variable set by an action (Setvar). */
  setChannelVar(ch: ModelChannel, variable: string, value: string): string {
    if (ch.vars.has(variable) || ch.vars.size < MAX_VARS_PER_CHANNEL) ch.vars.set(variable, value);
    return formatFrame([
      ['Event', 'VarSet'],
      ['Privilege', 'dialplan,all'],
      ...this.channelFields(ch),
      ['Variable', variable],
      ['Value', value],
    ]);
  }

  /**
   * MixMonitor started on a channel (app_mixmonitor's mixmonitor_exec): a relative file name lands
   * under the monitor directory, MIXMONITOR_FILENAME says where (VarSet), then MixMonitorStart.
   */
  startMixMonitor(ch: ModelChannel, file: string): { varSet: string; started: string } {
    const path = file.startsWith('/') ? file : `${MONITOR_DIR}/${file}`;
    return {
      varSet: this.setChannelVar(ch, 'MIXMONITOR_FILENAME', path),
      started: formatFrame([
        ['Event', 'MixMonitorStart'],
        ['Privilege', 'call,all'],
        ...this.channelFields(ch),
      ]),
    };
  }

  /**
   * Members a scripted call can ring in a queue: Local/<ext>@phones members that are available
   * (not paused, not in a call, device idle or unknown), as app_queue with ringinuse=no would ring.
   */
  routableMembers(queue: string): ModelMember[] {
    const q = this.queues.get(queue);
    if (!q) return [];
    return [...q.members.values()].filter(
      (m) => this.isAvailable(m) && m.inCall === 0 && /^Local\/\d+@phones(\/n)?$/.test(m.interface),
    );
  }

  /** Queues a member's state interface belongs to (for a phone's QueueMemberStatus). */
  queuesWithStateInterface(stateInterface: string): [ModelQueue, ModelMember][] {
    const out: [ModelQueue, ModelMember][] = [];
    for (const q of this.queues.values()) {
      for (const m of q.members.values()) if (m.stateInterface === stateInterface) out.push([q, m]);
    }
    return out;
  }

  /** Variables of a message with repeated `Variable: name=value` headers. */
  static variables(msg: AmiMessage): [string, string][] {
    const out: [string, string][] = [];
    for (const entry of headerList(msg, 'variable')) {
      for (const part of entry.split(',')) {
        const eq = part.indexOf('=');
        if (eq > 0) out.push([part.slice(0, eq), part.slice(eq + 1)]);
      }
    }
    return out;
  }
}

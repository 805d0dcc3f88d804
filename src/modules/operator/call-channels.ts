import { header, type AmiMessage } from '../../protocol/ami/ami-message.js';
import { channelExtension } from '../calls/tracker/index.js';

interface ChannelInfo {
  readonly uniqueid: string;
  name: string;
  readonly linkedid: string;
}

interface CallChannelState {
  /** Live channels of the call, by Uniqueid, in creation order. */
  readonly channels: Map<string, ChannelInfo>;
  /** The channel that joined a queue (the waiting caller), by Uniqueid. */
  queueCaller: string | null;
  /** Who dialled whom (DialBegin/AgentCalled): [caller Uniqueid, destination Uniqueid]. */
  readonly dials: [string, string][];
  /** The first channel of an Originate (OriginateResponse). */
  originated: string | null;
}

export interface CallChannelsOptions {
  maxCalls?: number;
  maxChannelsPerCall?: number;
}

const MAX_DIALS_PER_CALL = 64;

/**
 * Channel names of live calls on one PBX, for the commands that act on channels (Redirect,
 * Hangup): the call tracker's model is about calls and agents and does not expose them. Fed the
 * same AMI events as the tracker; pure and bounded (least recently created calls go first).
 */
export class CallChannels {
  private readonly calls = new Map<string, CallChannelState>();
  private readonly byUniqueid = new Map<string, ChannelInfo>();
  private readonly maxCalls: number;
  private readonly maxChannels: number;

  constructor(opts: CallChannelsOptions = {}) {
    this.maxCalls = opts.maxCalls ?? 10_000;
    this.maxChannels = opts.maxChannelsPerCall ?? 64;
  }

  get callCount(): number {
    return this.calls.size;
  }

  handle(msg: AmiMessage): void {
    if (msg.type !== 'event') return;
    switch (header(msg, 'event')) {
      case 'Newchannel':
        return this.onNewchannel(msg);
      case 'Rename':
        return this.onRename(msg);
      case 'Hangup':
        return this.onHangup(msg);
      case 'QueueCallerJoin': {
        const ch = this.byUniqueid.get(header(msg, 'uniqueid') ?? '');
        if (ch) this.calls.get(ch.linkedid)!.queueCaller = ch.uniqueid;
        return;
      }
      case 'AgentCalled':
      case 'DialBegin': {
        const from = this.byUniqueid.get(header(msg, 'uniqueid') ?? '');
        const to = header(msg, 'destuniqueid');
        if (!from || !to) return;
        const call = this.calls.get(from.linkedid)!;
        if (
          call.dials.length < MAX_DIALS_PER_CALL &&
          !call.dials.some(([a, b]) => a === from.uniqueid && b === to)
        )
          call.dials.push([from.uniqueid, to]);
        return;
      }
      case 'OriginateResponse': {
        const ch = this.byUniqueid.get(header(msg, 'uniqueid') ?? '');
        if (ch) this.calls.get(ch.linkedid)!.originated ??= ch.uniqueid;
        return;
      }
    }
  }

  /** Forgets everything (the AMI link was lost: the tracker rebuilds from lists, channels come back as they change). */
  clear(): void {
    this.calls.clear();
    this.byUniqueid.clear();
  }

  /** The call a live channel belongs to. */
  linkedidOf(uniqueid: string): string | null {
    return this.byUniqueid.get(uniqueid)?.linkedid ?? null;
  }

  /** A live channel's current name. */
  channelName(uniqueid: string): string | null {
    return this.byUniqueid.get(uniqueid)?.name ?? null;
  }

  /** Every live channel name of the call. */
  channelsOf(linkedid: string): string[] {
    return [...(this.calls.get(linkedid)?.channels.values() ?? [])].map((c) => c.name);
  }

  /** The waiting caller's channel while it is in the call, else null. */
  queueCaller(linkedid: string): string | null {
    const call = this.calls.get(linkedid);
    const uid = call?.queueCaller;
    return uid ? (call!.channels.get(uid)?.name ?? null) : null;
  }

  /** Channels of the call that belong to this extension (`Local/1001@phones-...;1`, `PJSIP/1001-...`). */
  agentChannels(linkedid: string, extension: string): string[] {
    return this.channelsOf(linkedid).filter((n) => channelExtension(n) === extension);
  }

  /**
   * The other party of `extension` in the call, the channel to redirect for a transfer or to hang up:
   * the queue caller; else whoever dialled the agent (a direct inbound call); else what the agent's
   * side dialled that is not an agent (a trunk); else the Originate's first channel (click-to-call
   * through a dialplan context, where that channel runs the number's side).
   */
  counterpart(linkedid: string, extension: string): string | null {
    const call = this.calls.get(linkedid);
    if (!call) return null;
    const live = (uid: string | null | undefined) => (uid ? (call.channels.get(uid)?.name ?? null) : null);
    const queued = live(call.queueCaller);
    if (queued) return queued;
    const isAgent = (uid: string) => {
      const n = call.channels.get(uid)?.name;
      return n !== undefined && channelExtension(n) === extension;
    };
    for (const [from, to] of call.dials) if (isAgent(to) && !isAgent(from) && live(from)) return live(from);
    for (const [from, to] of call.dials) {
      const dest = live(to);
      if (dest && channelExtension(dest) === null && live(from)) return dest;
    }
    return live(call.originated);
  }

  private onNewchannel(msg: AmiMessage): void {
    const uniqueid = header(msg, 'uniqueid');
    const name = header(msg, 'channel');
    const linkedid = header(msg, 'linkedid') ?? uniqueid;
    if (!uniqueid || !name || !linkedid || this.byUniqueid.has(uniqueid)) return;
    let call = this.calls.get(linkedid);
    if (!call) {
      if (this.calls.size >= this.maxCalls) this.evictOldest();
      call = { channels: new Map(), queueCaller: null, dials: [], originated: null };
      this.calls.set(linkedid, call);
    }
    if (call.channels.size >= this.maxChannels) return;
    const info: ChannelInfo = { uniqueid, name, linkedid };
    call.channels.set(uniqueid, info);
    this.byUniqueid.set(uniqueid, info);
  }

  private onRename(msg: AmiMessage): void {
    const ch = this.byUniqueid.get(header(msg, 'uniqueid') ?? '');
    const name = header(msg, 'newname');
    if (ch && name) ch.name = name;
  }

  private onHangup(msg: AmiMessage): void {
    const ch = this.byUniqueid.get(header(msg, 'uniqueid') ?? '');
    if (!ch) return;
    this.byUniqueid.delete(ch.uniqueid);
    const call = this.calls.get(ch.linkedid);
    if (!call) return;
    call.channels.delete(ch.uniqueid);
    if (call.channels.size === 0) this.calls.delete(ch.linkedid);
  }

  private evictOldest(): void {
    const oldest = this.calls.keys().next().value;
    if (oldest === undefined) return;
    for (const uid of this.calls.get(oldest)!.channels.keys()) this.byUniqueid.delete(uid);
    this.calls.delete(oldest);
  }
}

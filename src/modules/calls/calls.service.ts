import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AmiMessage } from '../../protocol/ami/ami-message.js';
import { AmiGatewayService } from '../ami/ami-gateway.service.js';
import { CallEventsBus } from './call-events.bus.js';
import { channelsByLinkedid, readOpenCalls } from './comm-events/open-calls.js';
import { fetchPbxSnapshot } from './pbx-snapshot.js';
import {
  CallTracker,
  type ExtensionState,
  type LiveCall,
  type QueueMemberState,
  type QueueState,
  type TrackerEvent,
} from './tracker/index.js';

const SNAPSHOT_TIMEOUT_MS = 10_000;
const SNAPSHOT_ATTEMPTS = 5;
/** One log line per warning code per PBX at most this often (warnings come from network-fed caps). */
const WARNING_LOG_INTERVAL_MS = 60_000;

interface PbxCalls {
  readonly pbxId: string;
  readonly tracker: CallTracker;
  /** When the link went down; calls that began after it were seen whole on the new stream. */
  downAt: Date | null;
  /** Bumped by every 'ready' and 'down': a snapshot fetched for an older generation is dropped. */
  generation: number;
  synced: boolean;
  /**
   * While the lists are being fetched: callers that left a queue or hung up on the stream. The lists
   * may have been taken before they left; such entries must not come back as waiting callers.
   */
  departed: Set<string> | null;
  readonly warnedAt: Map<string, number>;
}

/** Most departures remembered while one snapshot is fetched (a flood only costs accuracy). */
const MAX_DEPARTED = 50_000;
const DEPARTURES = new Set(['QueueCallerLeave', 'QueueCallerAbandon', 'Hangup']);

/**
 * Hosts one CallTracker per PBX: feeds it the gateway's events as they arrive and the PBX's lists
 * after every (re)connect, and publishes what it says on the CallEventsBus. The event path stays
 * synchronous and in memory (no await, no I/O): persistence and browsers are bus subscribers.
 */
@Injectable()
export class CallsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CallsService.name);
  private readonly pbxes = new Map<string, PbxCalls>();
  private stopped = false;

  private readonly onEvent = (pbxId: string, msg: AmiMessage, at?: Date): void => {
    const pbx = this.pbxes.get(pbxId) ?? this.add(pbxId);
    if (pbx.departed !== null) this.noteDeparture(pbx.departed, msg);
    // `at`: arrival time (events held while the ingest lease was unproven come late).
    const out = pbx.tracker.handle(msg, at ?? new Date());
    if (out.length > 0) this.publish(pbx, out);
  };

  private readonly onReady = (pbxId: string): void => {
    const pbx = this.pbxes.get(pbxId) ?? this.add(pbxId);
    const generation = ++pbx.generation;
    pbx.departed = new Set();
    void this.resync(pbx, generation, new Date());
  };

  private readonly onDown = (pbxId: string): void => {
    const pbx = this.pbxes.get(pbxId);
    if (!pbx) return;
    pbx.generation++;
    pbx.downAt ??= new Date();
  };

  /** Another instance ingests this PBX now: forget its calls (they are followed there). */
  private readonly onReleased = (pbxId: string): void => {
    const pbx = this.pbxes.get(pbxId);
    if (!pbx) return;
    pbx.generation++;
    this.pbxes.delete(pbxId);
  };

  constructor(
    private readonly gateway: AmiGatewayService,
    private readonly bus: CallEventsBus,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.gateway.on('event', this.onEvent);
    this.gateway.on('ready', this.onReady);
    this.gateway.on('down', this.onDown);
    this.gateway.on('released', this.onReleased);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.gateway.off('event', this.onEvent);
    this.gateway.off('ready', this.onReady);
    this.gateway.off('down', this.onDown);
    this.gateway.off('released', this.onReleased);
  }

  /** The tracker of one PBX (undefined before its first event); read-only use. */
  trackerOf(pbxId: string): CallTracker | undefined {
    return this.pbxes.get(pbxId)?.tracker;
  }

  liveCalls(): LiveCall[] {
    return [...this.pbxes.values()].flatMap((p) => p.tracker.liveCalls());
  }

  queues(): (QueueState & { pbxId: string })[] {
    return [...this.pbxes.values()].flatMap((p) => p.tracker.queues().map((q) => ({ ...q, pbxId: p.pbxId })));
  }

  queueMembers(): (QueueMemberState & { pbxId: string })[] {
    return [...this.pbxes.values()].flatMap((p) =>
      p.tracker.queueMembers().map((m) => ({ ...m, pbxId: p.pbxId })),
    );
  }

  extensions(): (ExtensionState & { pbxId: string })[] {
    return [...this.pbxes.values()].flatMap((p) =>
      p.tracker.extensions().map((e) => ({ ...e, pbxId: p.pbxId })),
    );
  }

  private add(pbxId: string): PbxCalls {
    const pbx: PbxCalls = {
      pbxId,
      tracker: new CallTracker({ pbxId }),
      downAt: null,
      generation: 0,
      synced: false,
      departed: null,
      warnedAt: new Map(),
    };
    this.pbxes.set(pbxId, pbx);
    return pbx;
  }

  /**
   * Rebuilds the tracker from the PBX's lists. Calls from before the link went down that the PBX no
   * longer lists are closed at `readyAt`; calls that began since are left to the stream.
   */
  private async resync(pbx: PbxCalls, generation: number, readyAt: Date): Promise<void> {
    for (let attempt = 1; attempt <= SNAPSHOT_ATTEMPTS; attempt++) {
      try {
        // First sync on this instance (start, or takeover from another instance): calls whose
        // CommEvent is still open and whose channels the PBX still lists are adopted.
        const open = pbx.synced ? [] : await this.openCalls(pbx.pbxId);
        const fetched = await fetchPbxSnapshot(this.gateway, pbx.pbxId, SNAPSHOT_TIMEOUT_MS);
        if (this.stopped || generation !== pbx.generation) return;
        const departed = pbx.departed ?? new Set<string>();
        pbx.departed = null;
        const lists = {
          ...fetched,
          queueStatus: fetched.queueStatus.filter(
            (m) => m.headers.event !== 'QueueEntry' || !departed.has(String(m.headers.uniqueid)),
          ),
        };
        const adopted = open.length > 0 ? this.adopt(pbx, open, lists.channels) : 0;
        // First connect: nothing came before this stream, so nothing can have vanished.
        const since = pbx.downAt ?? new Date(0);
        const out = pbx.tracker.applySnapshot({ ...lists, since }, readyAt);
        pbx.downAt = null;
        this.publish(pbx, out);
        const first = !pbx.synced;
        pbx.synced = true;
        const leaseSince = this.gateway.leaseStatus(pbx.pbxId).since;
        this.bus.emit('calls.synced', {
          pbxId: pbx.pbxId,
          at: readyAt,
          liveLinkedids: pbx.tracker.liveCalls().map((c) => c.linkedid),
          first,
          streamStartedAt: leaseSince === null ? undefined : new Date(leaseSince),
        });
        const closed = out.filter((e) => e.type === 'call.ended').length;
        this.logger.log(
          {
            pbx: pbx.pbxId,
            channels: lists.channels.length,
            queueItems: lists.queueStatus.length,
            closed,
            adopted,
          },
          'Call tracker rebuilt from the PBX lists',
        );
        return;
      } catch (e) {
        if (this.stopped || generation !== pbx.generation) return;
        this.logger.warn(
          { pbx: pbx.pbxId, attempt, err: (e as Error).message },
          'Could not fetch the PBX lists for the call tracker',
        );
        if (attempt < SNAPSHOT_ATTEMPTS) await new Promise((r) => setTimeout(r, 1000 * attempt).unref());
        if (this.stopped || generation !== pbx.generation) return;
      }
    }
  }

  private async openCalls(pbxId: string): Promise<LiveCall[]> {
    try {
      return await readOpenCalls(this.dataSource, pbxId);
    } catch (e) {
      // Without the database the calls cannot be adopted; their rows are closed once it is back.
      this.logger.warn(
        { pbx: pbxId, err: (e as Error).message },
        'Could not read the open CommEvents to adopt',
      );
      return [];
    }
  }

  private adopt(
    pbx: PbxCalls,
    open: readonly LiveCall[],
    channelList: Parameters<typeof channelsByLinkedid>[0],
  ): number {
    const live = channelsByLinkedid(channelList);
    let adopted = 0;
    for (const call of open) {
      const channels = live.get(call.linkedid);
      if (channels && pbx.tracker.adopt(call, channels)) adopted++;
    }
    return adopted;
  }

  private noteDeparture(departed: Set<string>, msg: AmiMessage): void {
    const name = msg.headers.event;
    if (typeof name !== 'string' || !DEPARTURES.has(name) || departed.size >= MAX_DEPARTED) return;
    const uid = msg.headers.uniqueid;
    if (typeof uid === 'string') departed.add(uid);
  }

  private publish(pbx: PbxCalls, events: readonly TrackerEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'tracker.warning') {
        this.warn(pbx, ev.code, ev.message, ev.linkedid);
        continue;
      }
      try {
        // The spread is the bus contract (every event names its PBX); the tracker's objects are immutable.
        this.bus.emit(ev.type, { ...ev, pbxId: pbx.pbxId } as never);
      } catch (e) {
        this.logger.error({ pbx: pbx.pbxId, type: ev.type, err: e }, 'A call event subscriber threw');
      }
    }
  }

  private warn(pbx: PbxCalls, code: string, message: string, linkedid?: string): void {
    const now = Date.now();
    if (now - (pbx.warnedAt.get(code) ?? 0) < WARNING_LOG_INTERVAL_MS) return;
    pbx.warnedAt.set(code, now);
    this.logger.warn({ pbx: pbx.pbxId, code, linkedid }, message);
  }
}

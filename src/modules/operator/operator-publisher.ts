import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type {
  ClientToServerEvents,
  QueueStats,
  SequencedEventMap,
  SequencedEventName,
  ServerToClientEvents,
} from '../../client/operator-protocol.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';
import { rooms } from './operator-rooms.js';
import { OPERATOR_EVENT_LOG, type OperatorEventLog } from './state/operator-event-log.js';
import { PacedLane } from './state/paced-lane.js';

export type OperatorNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  object,
  OperatorSocketData
>;

/** Recipients served per event-loop turn when one event goes to many users. */
const FAN_OUT_SLICE = 50;
/** The server-side message that carries a room's event to the other instances. */
const ROOM_EVENT = 'switchboard:operator-room-event';
/** Events that go to a room's members (queue and group rooms), as opposed to one user's. */
const ROOM_EVENTS: ReadonlySet<SequencedEventName> = new Set([
  'queue:stats',
  'callback:created',
  'callback:closed',
]);
const MAX_REMOTE_QUEUES = 10_000;
/**
 * Room events are spread over this long (queue figures are coalesced for 2 s anyway), in slices
 * every ROOM_TICK_MS, so that a queue's 500 members do not get their figures in one burst.
 */
const ROOM_SPREAD_MS = 1_000;
const ROOM_TICK_MS = 10;

interface RoomDelivery {
  userId: string;
  name: SequencedEventName;
  data: SequencedEventMap[SequencedEventName];
}

/** What the gateway keeps on each socket (socket.data). */
export interface OperatorSocketData {
  userId: string;
  role: string;
  displayName: string;
}

/**
 * The one way events reach browsers: each recipient user's event gets that user's next seq in the
 * event log (kept for resume) and goes to the user's room, i.e. to each of their connections, on
 * any instance once the Socket.IO adapter is shared.
 */
@Injectable()
export class OperatorPublisher {
  private readonly logger = new Logger(OperatorPublisher.name);
  private ns: OperatorNamespace | undefined;
  private readonly published;
  /** The latest figures of queues another instance follows, for the snapshots of sockets here. */
  private readonly remoteQueues = new Map<string, QueueStats>();
  private readonly roomLane = new PacedLane<RoomDelivery>(
    (d) => void this.publish([d.userId], d.name, d.data),
    { tickMs: ROOM_TICK_MS, spreadMs: ROOM_SPREAD_MS, maxQueued: 200_000 },
  );

  constructor(
    @Inject(OPERATOR_EVENT_LOG) private readonly log: OperatorEventLog,
    private readonly redis: RedisService,
    metrics: MetricsService,
  ) {
    this.published = metrics.counter({
      name: 'switchboard_operator_events_total',
      help: 'Events published to operators (one per recipient user)',
      labelNames: ['event'],
    });
    const lane = this.roomLane;
    metrics.gauge({
      name: 'switchboard_operator_room_backlog',
      help: 'Room events (queue figures, group call-backs) waiting for their slice of the paced lane',
      collect() {
        this.set(lane.size);
      },
    });
  }

  attach(ns: OperatorNamespace | undefined): void {
    this.ns = ns;
    if (!ns || !this.redis.enabled) return;
    const server = ns as unknown as { on(ev: string, fn: (msg: unknown) => void): void };
    server.on(ROOM_EVENT, (msg) => this.onRoomEvent(msg));
  }

  /**
   * Publishes to the users connected to a room (a queue's or a group's), on every instance: the
   * instance that follows the PBX knows the figures, while the members' sockets may be anywhere.
   * Each instance serves the users it holds sockets of (a room's membership is local knowledge);
   * the others get the event as a server-side message over the shared adapter.
   */
  publishToRoom<K extends SequencedEventName>(room: string, name: K, data: SequencedEventMap[K]): void {
    this.deliverToRoom(room, name, data);
    if (this.ns && this.redis.enabled) {
      (this.ns as unknown as { serverSideEmit(ev: string, msg: unknown): void }).serverSideEmit(ROOM_EVENT, {
        room,
        name,
        data,
      });
    }
  }

  /** Queue figures another instance published: the snapshot of a socket here includes them. */
  queuesFromOtherInstances(): QueueStats[] {
    return [...this.remoteQueues.values()];
  }

  private onRoomEvent(msg: unknown): void {
    const m = msg as { room?: unknown; name?: unknown; data?: unknown } | null;
    if (
      typeof m?.room !== 'string' ||
      typeof m.name !== 'string' ||
      !ROOM_EVENTS.has(m.name as SequencedEventName) ||
      typeof m.data !== 'object' ||
      m.data === null
    ) {
      this.logger.warn(
        { room: m?.room, event: m?.name },
        'Ignored a malformed room event from another instance',
      );
      return;
    }
    if (m.name === 'queue:stats') {
      const q = m.data as QueueStats;
      const key = `${q.pbxId}\n${q.queue}`;
      this.remoteQueues.delete(key);
      if (this.remoteQueues.size >= MAX_REMOTE_QUEUES)
        this.remoteQueues.delete(this.remoteQueues.keys().next().value!);
      this.remoteQueues.set(key, q);
    }
    const name = m.name as SequencedEventName;
    this.deliverToRoom(m.room, name, m.data as SequencedEventMap[typeof name]);
  }

  /**
   * A room's members here get the event through the paced lane. Queue figures are keyed by user and
   * queue, so a member still waiting for older figures gets only the newest.
   */
  private deliverToRoom<K extends SequencedEventName>(
    room: string,
    name: K,
    data: SequencedEventMap[K],
  ): void {
    const figures = name === 'queue:stats' ? (data as QueueStats) : undefined;
    for (const userId of this.localUsersIn(room)) {
      const key = figures && `${userId}\n${figures.pbxId}\n${figures.queue}`;
      this.roomLane.push({ userId, name, data }, key);
    }
  }

  async publish<K extends SequencedEventName>(
    userIds: Iterable<string>,
    name: K,
    data: SequencedEventMap[K],
  ): Promise<void> {
    const at = new Date();
    const counter = this.published.labels({ event: name });
    let sent = 0;
    for (const userId of new Set(userIds)) {
      // A call's events may go to many supervisors: let other work (a popup) in between.
      if (++sent % FAN_OUT_SLICE === 0) await new Promise((r) => setImmediate(r));
      try {
        const event = await this.log.append(userId, name, data, at);
        // A union of event names defeats the typed emit; the payload matches `name` by construction.
        const room = this.ns?.to(rooms.user(userId)) as { emit(n: string, e: unknown): boolean } | undefined;
        room?.emit(name, event);
        counter.inc();
      } catch (e) {
        this.logger.error({ err: e, userId, event: name }, 'Could not publish an operator event');
      }
    }
  }

  /** Users with a connection on this instance in a room (queue and group rooms), or in any. */
  localUsersIn(room?: string): Set<string> {
    const out = new Set<string>();
    if (!this.ns) return out;
    const ids = room === undefined ? this.ns.sockets.keys() : (this.ns.adapter.rooms.get(room) ?? []);
    for (const id of ids) {
      const userId = this.ns.sockets.get(id)?.data.userId;
      if (userId) out.add(userId);
    }
    return out;
  }
}

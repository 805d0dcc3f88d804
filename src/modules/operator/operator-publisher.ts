import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type {
  ClientToServerEvents,
  SequencedEventMap,
  SequencedEventName,
  ServerToClientEvents,
} from '../../client/operator-protocol.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { rooms } from './operator-rooms.js';
import { OPERATOR_EVENT_LOG, type OperatorEventLog } from './state/operator-event-log.js';

export type OperatorNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  object,
  OperatorSocketData
>;

/** Recipients served per event-loop turn when one event goes to many users. */
const FAN_OUT_SLICE = 50;

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

  constructor(
    @Inject(OPERATOR_EVENT_LOG) private readonly log: OperatorEventLog,
    metrics: MetricsService,
  ) {
    this.published = metrics.counter({
      name: 'switchboard_operator_events_total',
      help: 'Events published to operators (one per recipient user)',
      labelNames: ['event'],
    });
  }

  attach(ns: OperatorNamespace | undefined): void {
    this.ns = ns;
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
      // A queue's figures go to hundreds of members: let other work (a popup) in between.
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

  /** Users with a connection on this instance in a room (queue and group rooms). */
  localUsersIn(room: string): Set<string> {
    const out = new Set<string>();
    const ids = this.ns?.adapter.rooms.get(room);
    if (!ids || !this.ns) return out;
    for (const id of ids) {
      const userId = this.ns.sockets.get(id)?.data.userId;
      if (userId) out.add(userId);
    }
    return out;
  }
}

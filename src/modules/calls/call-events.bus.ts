import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import type { TrackerEvent, TrackerWarning } from './tracker/index.js';

/** Every tracker domain event, as published on the bus. */
export type CallDomainEvent = Exclude<TrackerEvent, TrackerWarning>;
export type CallEventType = CallDomainEvent['type'];

/** A tracker event with the PBX it happened on. */
export type CallBusEvent<T extends CallEventType = CallEventType> = Extract<CallDomainEvent, { type: T }> & {
  readonly pbxId: string;
};

/** After a (re)connect: the tracker of `pbxId` was rebuilt from the PBX's lists at `at`. */
export interface CallsSyncedEvent {
  readonly pbxId: string;
  readonly at: Date;
  /** Linkedids of the calls the tracker follows now. */
  readonly liveLinkedids: readonly string[];
  /** True on the first sync of this PBX since the process started (or since it took the PBX over). */
  readonly first: boolean;
  /**
   * When this instance began ingesting the PBX (its ingest lease): calls that began before it were
   * not seen on this stream. Undefined: since the process started.
   */
  readonly streamStartedAt?: Date;
}

/** A CommEvent row was inserted or moved forward (after its batch was committed; never on the AMI path). */
export interface CommEventSavedEvent {
  readonly pbxId: string;
  readonly linkedid: string;
  /** The row's id (`/api/v1/comm-events/:id`). */
  readonly id: string;
  readonly status: 'entered' | 'in_progress' | 'complete';
}

type BusEvents = { [T in CallEventType]: [CallBusEvent<T>] } & {
  'calls.synced': [CallsSyncedEvent];
  'comm-event.saved': [CommEventSavedEvent];
};

/**
 * The calls module's typed domain events: 'call.started', 'call.queued', 'call.offered',
 * 'call.offer-ended', 'call.answered', 'call.transferred', 'call.ended', 'member.status',
 * 'queue.stats', 'extension.state' (each with its pbxId), 'calls.synced', and 'comm-event.saved'
 * (the CommEvent id of a call, once its row is written).
 *
 * Listeners run synchronously on the AMI read path: keep them to in-memory work and hand anything
 * slow to a queue or a timer. A listener that throws is caught and logged by the publisher, but the
 * listeners after it miss that event (Node's emit stops at the first throw): do not throw.
 */
@Injectable()
export class CallEventsBus extends EventEmitter<BusEvents> {
  constructor() {
    super();
    this.setMaxListeners(50);
  }
}

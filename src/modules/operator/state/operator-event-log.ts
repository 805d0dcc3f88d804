import type {
  OperatorEvent,
  SequencedEventMap,
  SequencedEventName,
} from '../../../client/operator-protocol.js';

export const OPERATOR_EVENT_LOG = Symbol.for('switchboard.operator.event-log');

/** An event as kept for replay: its name and the payload the browser got (seq included). */
export interface LoggedEvent<K extends SequencedEventName = SequencedEventName> {
  readonly name: K;
  readonly event: OperatorEvent<K>;
}

/**
 * Per-user event streams with their sequence numbers, and what a reconnecting client missed.
 * The in-memory one serves a single instance; a Redis-backed one (INCR + a capped list per user)
 * can replace it behind this interface when several instances share the operators.
 */
export interface OperatorEventLog {
  /** Gives the event the user's next seq and keeps it for replay. */
  append<K extends SequencedEventName>(
    userId: string,
    name: K,
    data: SequencedEventMap[K],
    at: Date,
  ): Promise<OperatorEvent<K>>;
  /**
   * What came after `afterSeq`, oldest first ([] when nothing); null when it cannot be told: some of
   * those events are no longer kept, or `afterSeq` is not from this log (a restart): send a snapshot.
   */
  since(userId: string, afterSeq: number): Promise<LoggedEvent[] | null>;
  /** The user's last seq (a snapshot is "as of" this seq). */
  lastSeq(userId: string): Promise<number>;
}

import type {
  OperatorEvent,
  SequencedEventMap,
  SequencedEventName,
} from '../../../client/operator-protocol.js';
import type { LoggedEvent, OperatorEventLog } from './operator-event-log.js';

interface Stream {
  /** The seq of the last event appended (or the stream's base before any). */
  last: number;
  /** Ring of the newest events: slot `seq % perUser` holds the event with that seq. */
  ring: (LoggedEvent | undefined)[];
  /** How many of the newest seqs the ring holds (up to perUser). */
  held: number;
}

export interface MemoryEventLogOptions {
  /** Events kept per user. */
  perUser: number;
  /** Users kept; the least recently active stream is dropped beyond this. */
  maxUsers: number;
  /** Clock for the base of new streams (tests). */
  now?: () => number;
}

/**
 * The single-instance event log. A user's stream starts at the current time in milliseconds rather
 * than at 0, so that seq keeps increasing across a restart or the eviction of an idle stream: a
 * client's lastSeq from before is then never mistaken for a newer position (it gets a snapshot).
 * Within the process a new stream also starts above every seq already issued.
 */
export class MemoryOperatorEventLog implements OperatorEventLog {
  /** Insertion order is recency order (touched streams are re-inserted): the first key is the LRU. */
  private readonly streams = new Map<string, Stream>();
  private readonly now: () => number;
  /** Highest seq this log has issued to anyone: a new stream starts above it. */
  private highWater = 0;

  constructor(private readonly opts: MemoryEventLogOptions) {
    this.now = opts.now ?? Date.now;
  }

  get userCount(): number {
    return this.streams.size;
  }

  append<K extends SequencedEventName>(
    userId: string,
    name: K,
    data: SequencedEventMap[K],
    at: Date,
  ): Promise<OperatorEvent<K>> {
    const s = this.stream(userId);
    const event = { ...data, seq: ++s.last, at: at.toISOString() } as OperatorEvent<K>;
    if (s.last > this.highWater) this.highWater = s.last;
    s.ring[s.last % this.opts.perUser] = { name, event } as LoggedEvent;
    if (s.held < this.opts.perUser) s.held++;
    return Promise.resolve(event);
  }

  since(userId: string, afterSeq: number): Promise<LoggedEvent[] | null> {
    const s = this.streams.get(userId);
    if (s === undefined || !Number.isSafeInteger(afterSeq) || afterSeq > s.last) return Promise.resolve(null);
    this.touch(userId, s);
    const oldest = s.last - s.held + 1;
    if (afterSeq + 1 < oldest) return Promise.resolve(null);
    const out: LoggedEvent[] = [];
    for (let seq = afterSeq + 1; seq <= s.last; seq++) out.push(s.ring[seq % this.opts.perUser]!);
    return Promise.resolve(out);
  }

  lastSeq(userId: string): Promise<number> {
    return Promise.resolve(this.stream(userId).last);
  }

  private stream(userId: string): Stream {
    let s = this.streams.get(userId);
    if (s === undefined) {
      s = { last: Math.max(this.now(), this.highWater + 1), ring: [], held: 0 };
      if (s.last > this.highWater) this.highWater = s.last;
      if (this.streams.size >= this.opts.maxUsers) {
        const lru = this.streams.keys().next().value;
        if (lru !== undefined) this.streams.delete(lru);
      }
      this.streams.set(userId, s);
    } else this.touch(userId, s);
    return s;
  }

  private touch(userId: string, s: Stream): void {
    this.streams.delete(userId);
    this.streams.set(userId, s);
  }
}

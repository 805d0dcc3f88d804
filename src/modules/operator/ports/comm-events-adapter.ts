import type { PreviousCall } from '../../../client/operator-protocol.js';
import type { CallEventsBus, CommEventSavedEvent } from '../../calls/call-events.bus.js';
import type { CommEventsService } from '../../calls/comm-events/comm-events.service.js';
import type { OperatorCommEvents } from './operator-ports.js';

/** Most calls waiting for their CommEvent at once; past it, a call gets only the one lookup. */
export const MAX_COMM_EVENT_WAITERS = 5_000;
/** CommEvent ids remembered from 'comm-event.saved' (a row is saved when its call starts). */
const MAX_KNOWN_IDS = 20_000;

interface Waiter {
  resolve(id: string | null): void;
  timer: NodeJS.Timeout;
}

/**
 * The history port over the calls module's CommEventsService and CallEventsBus. A call's
 * CommEvent id comes from 'comm-event.saved' (one listener for every waiting call, which also
 * remembers the ids it sees: a call's row is first saved when the call starts, so the id is
 * usually known by the time it ends, and else saved within the writer's next batch), and only
 * when none came within the wait from one `findByLinkedid` (a row written before this instance
 * listened); no polling. Waiters are bounded
 * (maxWaiters) and leave on their timeout.
 */
export class CommEventsOperatorAdapter implements OperatorCommEvents {
  /** `${pbxId}\n${linkedid}` -> the calls waiting for that row. */
  private readonly waiters = new Map<string, Set<Waiter>>();
  private waiting = 0;
  /** `${pbxId}\n${linkedid}` -> CommEvent id, oldest first: most calls need no lookup at all. */
  private readonly known = new Map<string, string>();
  private readonly onSaved = (e: CommEventSavedEvent) => {
    const k = key(e.pbxId, e.linkedid);
    this.known.delete(k);
    if (this.known.size >= MAX_KNOWN_IDS) this.known.delete(this.known.keys().next().value!);
    this.known.set(k, e.id);
    this.settle(k, e.id);
  };

  constructor(
    private readonly service: CommEventsService,
    private readonly bus: CallEventsBus,
    private readonly maxWaiters = MAX_COMM_EVENT_WAITERS,
  ) {
    bus.on('comm-event.saved', this.onSaved);
  }

  /** Calls waiting now (for /health-style checks and tests). */
  get pending(): number {
    return this.waiting;
  }

  async idOf(
    call: { pbxId: string; linkedid: string; number: string | null },
    waitMs: number,
  ): Promise<string | null> {
    const k = key(call.pbxId, call.linkedid);
    const known = this.known.get(k);
    if (known !== undefined) return known;
    if (this.waiting >= this.maxWaiters || waitMs <= 0) {
      return (await this.service.findByLinkedid(call.pbxId, call.linkedid))?.id ?? null;
    }
    const saved = await this.wait(k, waitMs);
    if (saved !== null) return saved;
    // Not seen saved: written before this instance listened (it took the PBX over), or not yet.
    const found = await this.service.findByLinkedid(call.pbxId, call.linkedid).catch(() => undefined);
    return found?.id ?? null;
  }

  async previousCalls(number: string, limit: number): Promise<PreviousCall[]> {
    return (await this.service.previousCalls(number, limit)).map((r) => ({
      commEventId: r.id,
      startedAt: r.startedAt.toISOString(),
      direction: r.direction,
      outcome: r.outcome,
      agentName: r.agentName,
      talkSeconds: r.talkSeconds ?? 0,
    }));
  }

  /** Stops listening and answers every waiting call with null. */
  close(): void {
    this.bus.off('comm-event.saved', this.onSaved);
    for (const k of [...this.waiters.keys()]) this.settle(k, null);
  }

  private wait(k: string, waitMs: number): Promise<string | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.drop(k, waiter);
          resolve(null);
        }, waitMs),
      };
      waiter.timer.unref();
      let set = this.waiters.get(k);
      if (!set) this.waiters.set(k, (set = new Set()));
      set.add(waiter);
      this.waiting++;
    });
  }

  /** Answers (and removes) every call waiting for this row. Runs on the bus: in-memory only. */
  private settle(k: string, id: string | null): void {
    const set = this.waiters.get(k);
    if (!set) return;
    this.waiters.delete(k);
    this.waiting -= set.size;
    for (const w of set) {
      clearTimeout(w.timer);
      w.resolve(id);
    }
  }

  private drop(k: string, waiter: Waiter): void {
    const set = this.waiters.get(k);
    if (!set?.delete(waiter)) return;
    this.waiting--;
    if (set.size === 0) this.waiters.delete(k);
  }
}

function key(pbxId: string, linkedid: string): string {
  return `${pbxId}\n${linkedid}`;
}

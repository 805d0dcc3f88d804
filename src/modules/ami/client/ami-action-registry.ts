import { header, type AmiMessage } from '../../../protocol/ami/ami-message.js';
import { AmiError, AmiErrorCode } from './ami-client.exception.js';

export interface AmiActionResult {
  /** The ActionID the client gave the action (e.g. to match a later OriginateResponse). */
  actionId: string;
  /** The `Response:` message (`Success`, `Goodbye`, ...; errors reject instead). */
  response: AmiMessage;
  /** The collected event list (`EventList: start` ... `...Complete`), without the closing event; [] otherwise. */
  events: AmiMessage[];
  /** The closing `...Complete` event of an event list (it carries `ListItems`). */
  complete?: AmiMessage;
}

interface PendingAction {
  readonly action: string;
  readonly actionId: string;
  readonly resolve: (result: AmiActionResult) => void;
  readonly reject: (err: AmiError) => void;
  timer?: ReturnType<typeof setTimeout>;
  response?: AmiMessage;
  events: AmiMessage[];
}

/** Late traffic for an action we gave up on: swallow the rest of its event list, nothing else. */
type AbandonedState = 'awaiting-response' | 'listing';

const MAX_ABANDONED = 1024;

function isListStart(msg: AmiMessage): boolean {
  return header(msg, 'EventList')?.toLowerCase() === 'start';
}

function isListEnd(msg: AmiMessage): boolean {
  const marker = header(msg, 'EventList')?.toLowerCase();
  if (marker === 'complete') return true;
  // A few list actions close with a `...Complete` event that has no `EventList:` header.
  return marker === undefined && (header(msg, 'Event') ?? '').endsWith('Complete');
}

/**
 * Pending actions keyed by ActionID: matches each `Response:` to its action and collects event
 * lists. Pure bookkeeping fed with parsed messages; the client owns the socket and the timers.
 */
export class AmiActionRegistry {
  private readonly pending = new Map<string, PendingAction>();
  private readonly abandoned = new Map<string, AbandonedState>();

  constructor(
    private readonly pbx: string,
    private readonly maxListEvents = 100_000,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(actionId: string): boolean {
    return this.pending.has(actionId);
  }

  add(
    actionId: string,
    action: string,
    resolve: (result: AmiActionResult) => void,
    reject: (err: AmiError) => void,
    timer?: ReturnType<typeof setTimeout>,
  ): void {
    if (this.pending.has(actionId)) throw new Error(`duplicate ActionID ${actionId}`);
    this.pending.set(actionId, { action, actionId, resolve, reject, timer, events: [] });
  }

  /**
   * Offers a parsed message. Returns true when it belonged to a pending (or abandoned) action:
   * the caller must then not treat it as an ordinary event. Responses never count as events.
   */
  dispatch(msg: AmiMessage): boolean {
    const actionId = header(msg, 'ActionID');
    if (actionId === undefined) return false;
    const entry = this.pending.get(actionId);

    if (msg.type === 'response') {
      if (!entry) return this.lateResponse(actionId, msg);
      if (entry.response) return true; // a second response to one action: ignore it
      const status = header(msg, 'Response')?.toLowerCase();
      if (status === 'error') {
        const amiMessage = header(msg, 'Message') ?? '';
        this.settle(entry);
        entry.reject(
          new AmiError(AmiErrorCode.ACTION_FAILED, `${entry.action} failed: ${amiMessage}`, {
            pbx: this.pbx,
            action: entry.action,
            actionId,
            amiMessage,
          }),
        );
      } else if (isListStart(msg)) {
        entry.response = msg;
      } else {
        this.settle(entry);
        entry.resolve({ actionId, response: msg, events: [] });
      }
      return true;
    }

    if (msg.type !== 'event') return false;
    if (entry?.response) {
      if (isListEnd(msg)) {
        this.settle(entry);
        entry.resolve({ actionId, response: entry.response, events: entry.events, complete: msg });
      } else if (entry.events.length >= this.maxListEvents) {
        this.settle(entry);
        this.abandon(actionId, 'listing');
        entry.reject(
          new AmiError(
            AmiErrorCode.LIST_TOO_LONG,
            `${entry.action}: event list longer than ${this.maxListEvents}`,
            {
              pbx: this.pbx,
              action: entry.action,
              actionId,
            },
          ),
        );
      } else {
        entry.events.push(msg);
      }
      return true;
    }
    if (this.abandoned.get(actionId) === 'listing') {
      if (isListEnd(msg)) this.abandoned.delete(actionId);
      return true;
    }
    // Not a list item: e.g. OriginateResponse, which carries the Originate's ActionID.
    return false;
  }

  /** Gives up on one action (timeout): rejects it and swallows the rest of its list if any. */
  expire(actionId: string, err: AmiError): boolean {
    const entry = this.pending.get(actionId);
    if (!entry) return false;
    this.settle(entry);
    this.abandon(actionId, entry.response ? 'listing' : 'awaiting-response');
    entry.reject(err);
    return true;
  }

  /** Rejects every pending action (link down, stop) and forgets abandoned ones: a new session starts clean. */
  rejectAll(makeError: (action: string, actionId: string) => AmiError): number {
    const entries = [...this.pending.values()];
    for (const entry of entries) this.settle(entry);
    this.abandoned.clear();
    for (const entry of entries) entry.reject(makeError(entry.action, entry.actionId));
    return entries.length;
  }

  private lateResponse(actionId: string, msg: AmiMessage): boolean {
    if (!this.abandoned.has(actionId)) return false;
    if (isListStart(msg)) this.abandoned.set(actionId, 'listing');
    else this.abandoned.delete(actionId);
    return true;
  }

  private abandon(actionId: string, state: AbandonedState): void {
    this.abandoned.set(actionId, state);
    if (this.abandoned.size > MAX_ABANDONED) {
      const oldest = this.abandoned.keys().next().value;
      if (oldest !== undefined) this.abandoned.delete(oldest);
    }
  }

  private settle(entry: PendingAction): void {
    if (entry.timer) clearTimeout(entry.timer);
    this.pending.delete(entry.actionId);
  }
}

import type { DialProgress, DialState } from '../../client/operator-protocol.js';

const ORDER: Record<DialState, number> = {
  pending: 0,
  'ringing-agent': 1,
  'ringing-customer': 2,
  answered: 3,
  failed: 3,
};

/** Asterisk's OriginateResponse Reason codes (AST_CONTROL_*), as Asterisk names them. */
const ORIGINATE_REASONS: Record<number, string> = {
  0: 'Failed (no such extension, channel or peer)',
  1: 'Hung up',
  3: 'Ringing, not answered',
  5: 'Busy',
  8: 'Congestion',
};

export function originateReasonText(reason: number): string {
  return ORIGINATE_REASONS[reason] ?? `Originate failed (reason ${reason})`;
}

interface Dial {
  readonly userId: string;
  progress: DialProgress;
  actionId: string | null;
  linkedid: string | null;
  readonly pbxId: string;
  readonly expiresAt: number;
}

/**
 * Click-to-call requests in flight: found by their dial id (the CRM_DIAL_ID channel variable the
 * Originate sets, so the call is recognised from its first events), by the Originate's ActionID
 * (OriginateResponse) and by the call's Linkedid. States only move forward
 * (pending -> ringing-agent -> ringing-customer -> answered | failed); `advance` answers the new
 * progress when it moved, else null. Pure and bounded.
 */
export class DialTracker {
  private readonly dials = new Map<string, Dial>();
  private readonly byActionId = new Map<string, string>();
  private readonly byLinkedid = new Map<string, string>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly maxDials = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(dialId: string, userId: string, pbxId: string, number: string): DialProgress {
    this.sweep();
    const progress: DialProgress = {
      dialId,
      number,
      state: 'pending',
      callId: null,
      cause: null,
      causeText: null,
    };
    this.dials.set(dialId, {
      userId,
      progress,
      actionId: null,
      linkedid: null,
      pbxId,
      expiresAt: this.now() + this.ttlMs,
    });
    return progress;
  }

  /** The Originate was accepted under this ActionID. */
  accepted(dialId: string, actionId: string): void {
    const dial = this.dials.get(dialId);
    if (!dial) return;
    dial.actionId = actionId;
    this.byActionId.set(actionId, dialId);
  }

  get(dialId: string): { userId: string; pbxId: string; progress: DialProgress } | undefined {
    return this.dials.get(dialId);
  }

  byAction(actionId: string): string | undefined {
    return this.byActionId.get(actionId);
  }

  byCall(linkedid: string): string | undefined {
    return this.byLinkedid.get(linkedid);
  }

  /** Ties the dial to its call once Asterisk has created it. */
  bind(dialId: string, linkedid: string, callId: string): void {
    const dial = this.dials.get(dialId);
    if (!dial || dial.linkedid !== null) return;
    dial.linkedid = linkedid;
    dial.progress = { ...dial.progress, callId };
    this.byLinkedid.set(linkedid, dialId);
  }

  advance(
    dialId: string,
    state: DialState,
    cause?: { cause: number | null; causeText: string | null },
  ): DialProgress | null {
    const dial = this.dials.get(dialId);
    if (!dial) return null;
    const from = dial.progress.state;
    if (ORDER[state] <= ORDER[from] || from === 'answered' || from === 'failed') return null;
    dial.progress = {
      ...dial.progress,
      state,
      cause: cause?.cause ?? null,
      causeText: cause?.causeText ?? null,
    };
    return dial.progress;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, d] of this.dials) {
      if (d.expiresAt > now && this.dials.size < this.maxDials) break;
      this.dials.delete(id);
      if (d.actionId) this.byActionId.delete(d.actionId);
      if (d.linkedid) this.byLinkedid.delete(d.linkedid);
    }
  }
}

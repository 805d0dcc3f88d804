import type { CallOffered } from '../../client/operator-protocol.js';

type OfferState = 'building' | 'shown';

interface Offer {
  state: OfferState;
  readonly extension: string;
  payload: CallOffered | null;
}

/**
 * Which operators a ringing call is offered to, and what their popup shows: the truth for
 * retracting popups, for who may press Answer, and for the offers in a snapshot. Pure and bounded
 * (the least recently offered calls go first).
 *
 * A popup is built asynchronously (contacts, history); an offer that ends meanwhile is dropped
 * before it is ever shown, so no popup appears after its retraction.
 */
export class OfferRegistry {
  private readonly calls = new Map<string, Map<string, Offer>>();
  private readonly byUser = new Map<string, Set<string>>();

  constructor(
    private readonly maxCalls = 10_000,
    private readonly maxUsersPerCall = 1_000,
  ) {}

  get callCount(): number {
    return this.calls.size;
  }

  /** The call starts ringing for the user; false when it already does (a re-ring of a shown popup). */
  begin(callId: string, userId: string, extension: string): boolean {
    let offers = this.calls.get(callId);
    if (!offers) {
      if (this.calls.size >= this.maxCalls) this.evictOldest();
      offers = new Map();
      this.calls.set(callId, offers);
    }
    if (offers.has(userId) || offers.size >= this.maxUsersPerCall) return false;
    offers.set(userId, { state: 'building', extension, payload: null });
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(callId);
    return true;
  }

  /** The popup is ready: true when the offer still stands (publish it), false when it ended meanwhile. */
  show(callId: string, userId: string, payload: CallOffered): boolean {
    const offer = this.calls.get(callId)?.get(userId);
    if (!offer || offer.state !== 'building') return false;
    offer.state = 'shown';
    offer.payload = payload;
    return true;
  }

  /** The offer ends; answers whether the user was shown a popup (then retract it). */
  end(callId: string, userId: string): { wasShown: boolean } | null {
    const offers = this.calls.get(callId);
    const offer = offers?.get(userId);
    if (!offers || !offer) return null;
    offers.delete(userId);
    if (offers.size === 0) this.calls.delete(callId);
    this.byUser.get(userId)?.delete(callId);
    if (this.byUser.get(userId)?.size === 0) this.byUser.delete(userId);
    return { wasShown: offer.state === 'shown' };
  }

  /** Ends every offer of the call; answers the users who had a popup shown. */
  endCall(callId: string, except?: string): string[] {
    const shown: string[] = [];
    for (const userId of [...(this.calls.get(callId)?.keys() ?? [])]) {
      if (userId === except) continue;
      if (this.end(callId, userId)?.wasShown) shown.push(userId);
    }
    return shown;
  }

  isOffered(callId: string, userId: string): boolean {
    return this.calls.get(callId)?.has(userId) ?? false;
  }

  extensionOf(callId: string, userId: string): string | null {
    return this.calls.get(callId)?.get(userId)?.extension ?? null;
  }

  /** The popups shown to a user now. */
  shownTo(userId: string): CallOffered[] {
    const out: CallOffered[] = [];
    for (const callId of this.byUser.get(userId) ?? []) {
      const offer = this.calls.get(callId)?.get(userId);
      if (offer?.payload) out.push(offer.payload);
    }
    return out;
  }

  private evictOldest(): void {
    const oldest = this.calls.keys().next().value;
    if (oldest !== undefined) this.endCall(oldest);
  }
}

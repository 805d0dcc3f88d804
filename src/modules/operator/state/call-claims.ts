export const CALL_CLAIMS = Symbol.for('switchboard.operator.call-claims');

/**
 * Who is taking a ringing call: the first operator to press Answer claims it and the others are
 * refused, even on other instances once a shared implementation (Redis SET NX PX) replaces the
 * in-memory one behind this interface.
 */
export interface CallClaims {
  /** Claims `callId` for `userId` for ttlMs; answers the holder (this user when the claim is won). */
  claim(callId: string, userId: string, ttlMs: number): Promise<string>;
  /** Gives the claim up (the Redirect failed), if this user holds it. */
  release(callId: string, userId: string): Promise<void>;
  /** The current holder, if any. */
  holder(callId: string): Promise<string | null>;
}

export class MemoryCallClaims implements CallClaims {
  private readonly claims = new Map<string, { userId: string; expiresAt: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  claim(callId: string, userId: string, ttlMs: number): Promise<string> {
    const now = this.now();
    const held = this.claims.get(callId);
    if (held !== undefined && held.expiresAt > now) return Promise.resolve(held.userId);
    this.claims.delete(callId);
    for (const [id, c] of this.claims) {
      if (c.expiresAt > now && this.claims.size < this.maxEntries) break;
      this.claims.delete(id);
    }
    this.claims.set(callId, { userId, expiresAt: now + ttlMs });
    return Promise.resolve(userId);
  }

  release(callId: string, userId: string): Promise<void> {
    if (this.claims.get(callId)?.userId === userId) this.claims.delete(callId);
    return Promise.resolve();
  }

  holder(callId: string): Promise<string | null> {
    const held = this.claims.get(callId);
    return Promise.resolve(held !== undefined && held.expiresAt > this.now() ? held.userId : null);
  }
}

import type { Principal } from './principal.js';

/** How long a key the database confirmed may be trusted while the database does not answer. */
export const KNOWN_KEY_GRACE_MS = 10 * 60_000;
/** How long a request with a recently confirmed key waits for the database before using that. */
export const KNOWN_KEY_WAIT_MS = 100;
/** How long any other key waits for the database before the request is refused as unavailable. */
export const UNKNOWN_KEY_WAIT_MS = 2_000;
const MAX_KEYS = 1_000;

export type KeyLookup =
  { kind: 'found'; principal: Principal } | { kind: 'unknown' } | { kind: 'unavailable'; reason: string };

/**
 * API keys the database confirmed lately, by hash, so that services calling with a key (the
 * dialplan's CURL() of the routing lookup, above all) keep working while PostgreSQL is down or
 * slow. The database stays the authority whenever it answers: every request still asks it, an
 * answer of "unknown or revoked" forgets the key at once, and a confirmation refreshes it. Only
 * when the database fails or is late does a key confirmed in the last KNOWN_KEY_GRACE_MS pass
 * (a key cannot be revoked meanwhile anyway: revoking needs the database).
 */
export class ApiKeyVerdicts {
  /** hash -> principal and when the database last confirmed it; oldest first. */
  private readonly known = new Map<string, { principal: Principal; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly waits = { knownKeyMs: KNOWN_KEY_WAIT_MS, unknownKeyMs: UNKNOWN_KEY_WAIT_MS },
  ) {}

  /**
   * Asks the database (`lookup`) and decides: its answer when it comes in time, else the recent
   * confirmation of this key if there is one, else unavailable.
   */
  async verify(hash: string, lookup: () => Promise<Principal | null>): Promise<KeyLookup> {
    const recent = this.recent(hash);
    const asked = lookup().then(
      (principal): KeyLookup => {
        if (principal) this.remember(hash, principal);
        else this.known.delete(hash);
        return principal ? { kind: 'found', principal } : { kind: 'unknown' };
      },
      (e: unknown): KeyLookup => ({ kind: 'unavailable', reason: (e as Error)?.message ?? String(e) }),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<KeyLookup>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'unavailable', reason: 'the database did not answer in time' }),
        recent ? this.waits.knownKeyMs : this.waits.unknownKeyMs,
      );
    });
    const answer = await Promise.race([asked, late]).finally(() => clearTimeout(timer));
    if (answer.kind === 'unavailable' && recent) return { kind: 'found', principal: recent };
    return answer;
  }

  /** Forgets every key of this id (revoked here: other instances learn it from the database). */
  forgetKeyId(keyId: string): void {
    for (const [hash, v] of this.known) {
      if (v.principal.kind === 'api-key' && v.principal.keyId === keyId) this.known.delete(hash);
    }
  }

  private recent(hash: string): Principal | undefined {
    const v = this.known.get(hash);
    return v && this.now() - v.at < KNOWN_KEY_GRACE_MS ? v.principal : undefined;
  }

  private remember(hash: string, principal: Principal): void {
    this.known.delete(hash);
    if (this.known.size >= MAX_KEYS) this.known.delete(this.known.keys().next().value!);
    this.known.set(hash, { principal, at: this.now() });
  }
}

import { AppError, ErrorCode } from '../../../common/errors/app-error.js';

export const IDEMPOTENCY_STORE = Symbol.for('switchboard.operator.idempotency');

/**
 * Results of commands by client idempotency key, so that a retry (a reconnect re-sending an
 * unacknowledged command, a double click, a CRM back end retrying a POST) never runs a command
 * twice. The in-memory one serves one instance; a shared one (Redis SET NX + the stored outcome)
 * can replace it behind this interface.
 */
export interface IdempotencyStore {
  /**
   * Runs `run` once per `key` within the retention time. A second call with the same key, while the
   * first runs or after it, gets the first one's outcome (result or error) without running again.
   * `fingerprint` names the command and its arguments: the same key for another command is a CONFLICT.
   */
  once<T>(key: string, fingerprint: string, run: () => Promise<T>): Promise<T>;
}

interface Entry {
  readonly fingerprint: string;
  readonly outcome: Promise<unknown>;
  readonly expiresAt: number;
}

export interface MemoryIdempotencyOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

/** Keeps outcomes for ttlMs, at most maxEntries (the oldest go first). Errors are kept too: a retry of a failed Originate must not dial. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: MemoryIdempotencyOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  once<T>(key: string, fingerprint: string, run: () => Promise<T>): Promise<T> {
    const now = this.now();
    const found = this.entries.get(key);
    if (found !== undefined && found.expiresAt > now) {
      if (found.fingerprint !== fingerprint) {
        return Promise.reject(
          new AppError(
            ErrorCode.CONFLICT,
            'This idempotencyKey was already used for a different command: use a new key for a new command',
          ),
        );
      }
      return found.outcome as Promise<T>;
    }
    if (found !== undefined) this.entries.delete(key);
    this.sweep(now);
    let outcome: Promise<T>;
    try {
      outcome = run();
    } catch (e) {
      outcome = Promise.reject(e);
    }
    // Keep a handled copy: a stored rejection must not be reported as unhandled.
    outcome.catch(() => undefined);
    this.entries.set(key, { fingerprint, outcome, expiresAt: now + this.opts.ttlMs });
    return outcome;
  }

  /** Drops expired entries from the oldest end, then the oldest ones beyond the bound. */
  private sweep(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.expiresAt > now && this.entries.size < this.opts.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

import { AppError, ErrorCode, type ErrorDetail } from '../../common/errors/app-error.js';
import { type IdempotencyStore, MemoryIdempotencyStore } from '../operator/state/idempotency-store.js';
import type { RedisService } from './redis.service.js';

/** How often, and how long at most, a retry waits for the same command running on another instance. */
const POLL_MS = 100;
const WAIT_MS = 15_000;
/** Stored outcomes larger than this are not shared (a retry elsewhere then gets a CONFLICT rather than a second run). */
const MAX_OUTCOME_BYTES = 64 * 1024;

type Stored =
  | { fp: string; state: 'running' }
  | { fp: string; state: 'done'; ok: true; value: unknown }
  | {
      fp: string;
      state: 'done';
      ok: false;
      error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
    };

/**
 * Idempotency keys shared by the instances: the first instance to `SET NX` a key runs the command
 * and stores its outcome (result, or the coded error), every retry of that key on any instance
 * gets that outcome without running it again. A retry arriving while the command still runs
 * elsewhere waits for it. The same key for another command is a CONFLICT.
 *
 * A local in-memory store in front serves retries on the same instance (and concurrent ones)
 * without a round trip; while Redis is away it is all there is: keys hold per instance.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly local: MemoryIdempotencyStore;

  constructor(
    private readonly redis: RedisService,
    private readonly opts: { ttlMs: number; maxEntries: number },
  ) {
    this.local = new MemoryIdempotencyStore(opts);
  }

  once<T>(key: string, fingerprint: string, run: () => Promise<T>): Promise<T> {
    return this.local.once(key, fingerprint, () => this.shared(key, fingerprint, run));
  }

  private async shared<T>(key: string, fingerprint: string, run: () => Promise<T>): Promise<T> {
    if (!this.redis.up) {
      this.redis.fellBack('idempotency');
      return run();
    }
    const k = `${this.redis.prefix}idem:${key}`;
    let claimed: string | null;
    try {
      const running: Stored = { fp: fingerprint, state: 'running' };
      claimed = await this.redis.client.set(k, JSON.stringify(running), 'PX', this.opts.ttlMs, 'NX');
    } catch (e) {
      this.redis.fellBack('idempotency', e);
      return run();
    }
    if (claimed === 'OK') return this.runAndStore(k, fingerprint, run);
    return this.awaitOther<T>(k, fingerprint);
  }

  private async runAndStore<T>(k: string, fp: string, run: () => Promise<T>): Promise<T> {
    let outcome: Stored;
    let result: T | undefined;
    let error: unknown;
    try {
      result = await run();
      outcome = { fp, state: 'done', ok: true, value: result ?? null };
    } catch (e) {
      error = e;
      const app = e instanceof AppError ? e : new AppError(ErrorCode.INTERNAL, 'Internal error');
      outcome = {
        fp,
        state: 'done',
        ok: false,
        error: { code: app.code, message: app.message, details: app.details },
      };
    }
    const text = JSON.stringify(outcome);
    if (text.length <= MAX_OUTCOME_BYTES) {
      await this.redis.client
        .set(k, text, 'PX', this.opts.ttlMs)
        .catch((e: unknown) => this.redis.fellBack('idempotency', e));
    }
    if (error !== undefined) throw error;
    return result as T;
  }

  private async awaitOther<T>(k: string, fp: string): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      let raw: string | null;
      try {
        raw = await this.redis.client.get(k);
      } catch (e) {
        this.redis.fellBack('idempotency', e);
        throw new AppError(
          ErrorCode.UNAVAILABLE,
          'This command may be running on another instance: retry shortly',
        );
      }
      if (raw === null) {
        // Expired between our SET NX and this GET: too old to matter; treat as unknown rather than run twice.
        throw new AppError(
          ErrorCode.CONFLICT,
          'This idempotencyKey expired meanwhile: use a new key for a new command',
        );
      }
      const stored = JSON.parse(raw) as Stored;
      if (stored.fp !== fp) {
        throw new AppError(
          ErrorCode.CONFLICT,
          'This idempotencyKey was already used for a different command: use a new key for a new command',
        );
      }
      if (stored.state === 'done') {
        if (stored.ok) return stored.value as T;
        throw new AppError(stored.error.code, stored.error.message, stored.error.details);
      }
      if (Date.now() > deadline) {
        throw new AppError(ErrorCode.CONFLICT, 'The same command is still running on another instance');
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

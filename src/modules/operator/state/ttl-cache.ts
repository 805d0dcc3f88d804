/**
 * A small read-through cache for answers on the event path (extension -> user, supervisors of a
 * user, a caller's contacts): entries live ttlMs, at most maxEntries (oldest first out), and
 * concurrent misses of one key share a single load. Failed loads are not kept.
 *
 * With staleMs, an answer past its ttl but younger than ttl + staleMs is still answered at once
 * while one reload runs behind it (stale-while-revalidate): a popup never waits for PostgreSQL
 * just because a phone's owner was last read 31 s ago. Null answers are never served stale.
 *
 * The ttls may be functions, asked at every read: the directory's caches trust their answers longer
 * while its change notifications flow, and fall back to the short ttl (for answers of any age)
 * as soon as they stop.
 */
interface Entry<V> {
  value: Promise<V>;
  /** When the load started (for a null answer: when it came). */
  at: number;
  /** The answer, once loaded. */
  settled?: { v: V };
  /** A reload of this expired answer is under way. */
  refreshing?: boolean;
}

export interface TtlCacheOptions {
  ttlMs: number | (() => number);
  maxEntries: number;
  /** How long past its ttl an answer may still be served while it is read again. Default 0. */
  staleMs?: number;
  /** How long a null answer is kept (a negative answer usually goes stale sooner). Default ttlMs. */
  nullTtlMs?: number | (() => number);
  now?: () => number;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly ttlMs: () => number;
  private readonly maxEntries: number;
  private readonly staleMs: number;
  private readonly nullTtlMs: () => number;
  private readonly now: () => number;

  constructor(opts: TtlCacheOptions) {
    const asFunction = (ms: number | (() => number)) => (typeof ms === 'number' ? () => ms : ms);
    this.ttlMs = asFunction(opts.ttlMs);
    this.maxEntries = opts.maxEntries;
    this.staleMs = opts.staleMs ?? 0;
    this.nullTtlMs = asFunction(opts.nullTtlMs ?? opts.ttlMs);
    this.now = opts.now ?? Date.now;
  }

  /**
   * The answer for key. `fresh`: an answer already read is not used, only a load still under way is
   * shared (what is true now, e.g. for a new call of a number whose last call just ended).
   */
  get(key: string, load: () => Promise<V>, fresh = false): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit === undefined) return this.store(key, load(), now);
    const age = now - hit.at;
    const ttl = hit.settled?.v === null ? this.nullTtlMs() : this.ttlMs();
    if (age < ttl && !(fresh && hit.settled)) return hit.value;
    if (!fresh && hit.settled && hit.settled.v !== null && age < ttl + this.staleMs) {
      if (!hit.refreshing) this.refresh(key, hit, load);
      return hit.value;
    }
    return this.store(key, load(), now); // store() replaces the entry
  }

  /** An answer learnt elsewhere (e.g. the phone an operator's status names), kept as if loaded now. */
  set(key: string, v: V): void {
    void this.store(key, Promise.resolve(v), this.now());
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops the answers `stale` picks, and those still loading (they may have read the old state). */
  deleteWhere(stale: (key: string, value: V) => boolean): void {
    for (const [key, e] of this.entries)
      if (!e.settled || e.refreshing || stale(key, e.settled.v)) this.entries.delete(key);
  }

  private store(key: string, value: Promise<V>, now: number): Promise<V> {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const entry: Entry<V> = { value, at: now };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        entry.settled = { v };
        if (v === null) entry.at = this.now();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  /** Reads an expired answer again; the old one is served until the new one is in (or fails). */
  private refresh(key: string, stale: Entry<V>, load: () => Promise<V>): void {
    stale.refreshing = true;
    load().then(
      (v) => {
        // Dropped or replaced meanwhile (deleteWhere, set): the newer state wins.
        if (this.entries.get(key) === stale) void this.store(key, Promise.resolve(v), this.now());
      },
      () => {
        stale.refreshing = false;
      },
    );
  }
}

/**
 * A small read-through cache for directory answers on the event path (extension -> user,
 * supervisors of a user): entries live ttlMs, at most maxEntries (oldest first out), and concurrent
 * misses of one key share a single load. Failed loads are not kept.
 */
interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  /** The answer, once loaded. */
  settled?: { v: V };
}

export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
    /** How long a null answer is kept (a negative answer usually goes stale sooner). */
    private readonly nullTtlMs = ttlMs,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const value = load();
    const entry: Entry<V> = { value, expiresAt: now + this.ttlMs };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        entry.settled = { v };
        if (v === null && this.entries.get(key) === entry) entry.expiresAt = this.now() + this.nullTtlMs;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops the answers `stale` picks, and those still loading (they may have read the old state). */
  deleteWhere(stale: (key: string, value: V) => boolean): void {
    for (const [key, e] of this.entries) if (!e.settled || stale(key, e.settled.v)) this.entries.delete(key);
  }
}

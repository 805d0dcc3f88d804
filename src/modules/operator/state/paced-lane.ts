export interface PacedLaneOptions {
  /** Time between two slices. */
  tickMs: number;
  /** A backlog is spread over about this long. */
  spreadMs: number;
  /** Beyond this many queued items, a push is sent at once instead of queued (never dropped). */
  maxQueued: number;
}

/**
 * Spreads a burst of deliveries over time. A queue's figures go to every member at once: sent in
 * one go, 1,000 frames occupy this process and every receiver for tens of milliseconds, and a popup
 * that arrives meanwhile waits behind them (bench:popup measured p99 84 ms with such bursts every
 * 2 s, 15–30 ms without). Here each tick sends a slice sized so that the backlog as it stood at its
 * largest drains in about spreadMs, and a popup waits at most behind one slice.
 *
 * An item pushed with a key replaces a queued item of the same key, keeping its place in line (the
 * figures of one queue for one user: only the newest matter), so keyed items never exceed the
 * distinct keys. Items without a key are all sent. The send function must not throw.
 */
export class PacedLane<T> {
  private readonly queued = new Map<string | number, T>();
  private unkeyed = 0;
  private perTick = 1;
  private timer: NodeJS.Timeout | undefined;
  /** Slices in one spread. */
  private readonly slices: number;

  constructor(
    private readonly send: (item: T) => void,
    private readonly opts: PacedLaneOptions,
  ) {
    this.slices = Math.max(1, Math.floor(opts.spreadMs / opts.tickMs));
  }

  get size(): number {
    return this.queued.size;
  }

  push(item: T, key?: string): void {
    if (this.queued.size >= this.opts.maxQueued && (key === undefined || !this.queued.has(key))) {
      this.send(item);
      return;
    }
    this.queued.set(key ?? this.unkeyed++, item);
    this.perTick = Math.max(this.perTick, Math.ceil(this.queued.size / this.slices));
    this.timer ??= setTimeout(() => this.tick(), this.opts.tickMs).unref();
  }

  private tick(): void {
    this.timer = undefined;
    let count = this.perTick;
    for (const [key, item] of this.queued) {
      if (count-- <= 0) break;
      this.queued.delete(key);
      this.send(item);
    }
    if (this.queued.size > 0) this.timer = setTimeout(() => this.tick(), this.opts.tickMs).unref();
    else this.perTick = 1;
  }
}

/**
 * Runs tasks one after the other per key, keys in parallel: the events of one call are handled in
 * the order the tracker emitted them even when handling one awaits the database (an offer that
 * ends while its popup is being built must not pop up afterwards). A key's chain is dropped when it
 * drains; at most maxKeys chains at once (beyond that, tasks run unchained rather than queue up).
 */
export class KeyedChain {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly maxKeys = 10_000) {}

  get size(): number {
    return this.tails.size;
  }

  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key);
    if (prev === undefined && this.tails.size >= this.maxKeys) return task();
    const next = (prev ?? Promise.resolve()).then(task, task).catch(() => undefined);
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}

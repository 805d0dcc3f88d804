/**
 * Runs lookups that must answer by a deadline, whatever the database does: past the budget the
 * caller gets `deadline` at once (the work goes on but its result is dropped), and while more
 * lookups than `maxInFlight` are still running (late ones included) new ones are not started at
 * all (`overloaded`), so a stalled database cannot pile up queries behind the deadline.
 */
export type FailOpenResult<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'deadline' }
  | { readonly kind: 'overloaded' };

export class FailOpenRunner {
  private running = 0;

  constructor(private readonly maxInFlight: number) {}

  /** Lookups started and not settled yet, those abandoned at their deadline included. */
  get inFlight(): number {
    return this.running;
  }

  /** A budget already spent (the request waited in line that long) answers `deadline` without starting the work. */
  run<T>(work: (signal: AbortSignal) => Promise<T>, budgetMs: number): Promise<FailOpenResult<T>> {
    if (budgetMs < 1) return Promise.resolve({ kind: 'deadline' });
    if (this.running >= this.maxInFlight) return Promise.resolve({ kind: 'overloaded' });
    this.running++;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const settled = Promise.resolve()
      .then(() => work(abort.signal))
      .then(
        (value): FailOpenResult<T> => ({ kind: 'value', value }),
        (error: unknown): FailOpenResult<T> => ({ kind: 'error', error }),
      )
      .finally(() => this.running--);
    const late = new Promise<FailOpenResult<T>>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve({ kind: 'deadline' });
      }, budgetMs);
    });
    return Promise.race([settled, late]).finally(() => clearTimeout(timer));
  }
}

/**
 * The part of a deadline the lookup may use: the rest (a quarter, at most 100 ms) is left for
 * writing the answer and for timer and event-loop lag when many lookups are late at once, e.g.
 * 225 ms of 300. An indexed lookup takes a few milliseconds; the budget is for a sick database.
 */
export function lookupBudgetMs(deadlineMs: number): number {
  return Math.max(1, deadlineMs - Math.max(5, Math.min(100, Math.round(deadlineMs / 4))));
}

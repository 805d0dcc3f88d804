/**
 * At most `perSecond` log lines of one kind per second. When the database is down or the process
 * saturated, every FastAGI request would log a line, and writing thousands of lines a second
 * would take the CPU the fallbacks need; the metrics count every request anyway. The next line
 * written after some were held back says how many (`suppressed`).
 */
export class LogBudget {
  private windowStart = -Infinity;
  private used = 0;
  private held = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: skip this line; else write it, with `suppressed` when lines were held back before it. */
  take(): { suppressed?: number } | undefined {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perSecond) {
      this.held++;
      return undefined;
    }
    this.used++;
    const suppressed = this.held;
    this.held = 0;
    return suppressed > 0 ? { suppressed } : {};
  }
}

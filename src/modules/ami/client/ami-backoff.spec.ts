import { backoffDelay, type BackoffOptions } from './ami-backoff.js';

const opts: BackoffOptions = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.3 };

describe('backoffDelay', () => {
  it.each([
    // attempt, base (random = 0 gives the base itself)
    [0, 500],
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [5, 16_000],
    [6, 30_000], // 32 000 capped
    [50, 30_000],
  ])('attempt %i grows exponentially from the initial delay up to the cap: base %i ms', (attempt, base) => {
    expect(backoffDelay(attempt, opts, () => 0)).toBe(base);
    // the jitter only ever shortens the delay, by at most `jitter`
    expect(backoffDelay(attempt, opts, () => 1)).toBe(Math.round(base * 0.7));
  });

  it('stays within [base * (1 - jitter), base] for any random draw, and never above the cap', () => {
    let seed = 42;
    const rng = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const seen = new Set<number>();
    for (let attempt = 0; attempt < 40; attempt++) {
      const base = Math.min(30_000, 500 * 2 ** attempt);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(attempt, opts, rng);
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.7));
        expect(d).toBeLessThanOrEqual(base);
        if (attempt === 10) seen.add(d);
      }
    }
    // jitter actually spreads clients out: many distinct delays at the cap
    expect(seen.size).toBeGreaterThan(50);
  });

  it('handles huge attempt counts without overflowing to Infinity or NaN', () => {
    expect(backoffDelay(1_000_000, opts, () => 0.5)).toBe(Math.round(30_000 * 0.85));
  });

  it('clamps nonsense settings: factor < 1, jitter outside 0..1, cap below the initial delay', () => {
    expect(backoffDelay(5, { initialDelayMs: 100, maxDelayMs: 1000, factor: 0.5, jitter: 0 })).toBe(100);
    expect(backoffDelay(0, { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 7 }, () => 1)).toBe(0);
    expect(backoffDelay(0, { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: -1 }, () => 1)).toBe(
      100,
    );
    expect(backoffDelay(3, { initialDelayMs: 2000, maxDelayMs: 1000, factor: 2, jitter: 0 })).toBe(2000);
  });
});

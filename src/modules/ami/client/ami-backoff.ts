export interface BackoffOptions {
  /** Delay before the first retry. */
  initialDelayMs: number;
  /** Upper bound of any delay, jitter included. */
  maxDelayMs: number;
  /** Growth per failed attempt (>= 1). */
  factor: number;
  /** 0..1: the delay is drawn uniformly from [base * (1 - jitter), base]. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.3,
};

/**
 * Delay before reconnect attempt `attempt` (0 = first retry after a drop): exponential, capped,
 * with the jitter taken downwards so the cap holds and many clients that lost the same PBX at
 * the same moment do not come back in lockstep.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const initial = Math.max(0, options.initialDelayMs);
  const cap = Math.max(initial, options.maxDelayMs);
  const factor = Math.max(1, options.factor);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  // Stop multiplying once the cap is reached: factor ** attempt overflows to Infinity eventually.
  let base = initial;
  for (let i = 0; i < attempt && base < cap; i++) base *= factor;
  base = Math.min(base, cap);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(base * (1 - jitter * r));
}

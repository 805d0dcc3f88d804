/** What a probe answers: the awaited value once the condition holds, a falsy "not yet" before. */
export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/**
 * Polls `probe` every `everyMs` until it answers a truthy value, and resolves with that value
 * (so 0 and '' count as "not yet"); rejects naming `what` once `ms` have passed without one. The
 * timeout only bounds a hang: 20 s, the longest any of the helpers this one replaced waited.
 */
export async function until<T>(what: string, probe: Probe<T>, ms = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    // A probe that throws rejects at once (a failure, e.g. a child that exited, not a "not yet").
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

import { once, type EventEmitter } from 'node:events';

/** Resolves with the event's arguments, rejects after `ms` (every wait in these tests is bounded). */
export async function waitFor<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms: number,
): Promise<T> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`no '${event}' within ${ms} ms`)), ms);
  try {
    return (await once(emitter, event, { signal: ac.signal })) as T;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `predicate` until true; rejects after `ms`. */
export async function until(predicate: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

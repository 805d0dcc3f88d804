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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

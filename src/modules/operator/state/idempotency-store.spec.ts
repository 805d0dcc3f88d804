import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import { MemoryCallClaims } from './call-claims.js';
import { CommandRateLimiter } from './command-rate-limiter.js';
import { MemoryIdempotencyStore } from './idempotency-store.js';

describe('MemoryIdempotencyStore', () => {
  it('runs a command once per key: concurrent and later retries get the first outcome', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 1000, maxEntries: 10 });
    let runs = 0;
    const run = async () => ({ n: ++runs });
    const [a, b] = await Promise.all([store.once('k', 'dial 1', run), store.once('k', 'dial 1', run)]);
    const c = await store.once('k', 'dial 1', run);
    expect([a, b, c]).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect(runs).toBe(1);
  });

  it('keeps failures too, and refuses the same key for another command', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 1000, maxEntries: 10 });
    let runs = 0;
    const fail = () => {
      runs++;
      return Promise.reject(new AppError(ErrorCode.PBX_REJECTED, 'Extension does not exist.'));
    };
    await expect(store.once('k', 'dial 1', fail)).rejects.toThrow('Extension does not exist.');
    await expect(store.once('k', 'dial 1', fail)).rejects.toThrow('Extension does not exist.');
    expect(runs).toBe(1);
    await expect(store.once('k', 'dial 2', fail)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('forgets after the retention time and beyond maxEntries', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 100, maxEntries: 3, now: () => now });
    let runs = 0;
    const run = () => Promise.resolve(++runs);
    await store.once('a', 'x', run);
    now = 150;
    expect(await store.once('a', 'x', run)).toBe(2);
    for (const k of ['b', 'c', 'd', 'e']) await store.once(k, 'x', run);
    expect(store.size).toBeLessThanOrEqual(3);
  });
});

describe('MemoryCallClaims', () => {
  it('gives a call to the first claimant until it expires or is released', async () => {
    let now = 0;
    const claims = new MemoryCallClaims(10, () => now);
    expect(await claims.claim('call', 'alice', 1000)).toBe('alice');
    expect(await claims.claim('call', 'bob', 1000)).toBe('alice');
    await claims.release('call', 'bob'); // not bob's: no effect
    expect(await claims.holder('call')).toBe('alice');
    await claims.release('call', 'alice');
    expect(await claims.claim('call', 'bob', 1000)).toBe('bob');
    now = 2000;
    expect(await claims.claim('call', 'carol', 1000)).toBe('carol');
  });
});

describe('CommandRateLimiter', () => {
  it('allows a burst, then the rate', () => {
    const limiter = new CommandRateLimiter(10, 20, 0);
    const burst = Array.from({ length: 25 }, () => limiter.take(0)).filter(Boolean).length;
    expect(burst).toBe(20);
    expect(limiter.take(100)).toBe(true); // 100 ms at 10/s = one token
    expect(limiter.take(100)).toBe(false);
    expect(limiter.take(10_000)).toBe(true);
  });
});

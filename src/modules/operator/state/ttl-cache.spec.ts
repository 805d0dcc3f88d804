import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('keeps answers for their time, a null one for its own, and shares a load between concurrent misses', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string | null>({
      ttlMs: 1_000,
      maxEntries: 10,
      now: () => now,
      nullTtlMs: 100,
    });
    const load = (v: string | null) => () => (loads++, Promise.resolve(v));
    await Promise.all([cache.get('a', load('alice')), cache.get('a', load('other'))]);
    expect(loads).toBe(1);
    await cache.get('n', load(null));
    now = 500;
    expect(await cache.get('a', load('other'))).toBe('alice');
    expect(await cache.get('n', load('now owned'))).toBe('now owned'); // the null answer expired at 100
    now = 1_001;
    expect(await cache.get('a', load('anna'))).toBe('anna');
  });

  it('asks a ttl function at each read: an answer kept under a long ttl is read again once it is short', async () => {
    let now = 0;
    let heard = true;
    let loads = 0;
    const cache = new TtlCache<string | null>({
      ttlMs: () => (heard ? 600_000 : 30_000),
      nullTtlMs: () => (heard ? 600_000 : 0),
      maxEntries: 10,
      now: () => now,
    });
    const load = (v: string | null) => () => (loads++, Promise.resolve(v));
    await cache.get('1001', load('alice'));
    await cache.get('1009', load(null));
    now = 100_000;
    expect(await cache.get('1001', load('bob'))).toBe('alice');
    expect(await cache.get('1009', load('dan'))).toBeNull();
    expect(loads).toBe(2);
    heard = false; // notifications stopped: the 100 s old answers are past the short ttls
    expect(await cache.get('1001', load('bob'))).toBe('bob');
    expect(await cache.get('1009', load('dan'))).toBe('dan');
    expect(loads).toBe(4);
    now = 120_000;
    expect(await cache.get('1001', load('carol'))).toBe('bob');
  });

  it('deleteWhere drops the answers picked and those still loading, and keeps the rest', async () => {
    const cache = new TtlCache<string>({ ttlMs: 60_000, maxEntries: 10 });
    let release: (v: string) => void = () => undefined;
    await cache.get('1001', () => Promise.resolve('alice'));
    await cache.get('1002', () => Promise.resolve('bob'));
    void cache.get('1003', () => new Promise<string>((r) => (release = r)));
    cache.deleteWhere((_, owner) => owner === 'alice');
    release('carol');
    const reads: string[] = [];
    const read = (key: string) => cache.get(key, () => (reads.push(key), Promise.resolve('again')));
    expect(await read('1001')).toBe('again');
    expect(await read('1002')).toBe('bob');
    expect(await read('1003')).toBe('again');
    expect(reads).toEqual(['1001', '1003']);
  });

  it('serves an answer past its ttl within staleMs at once and reads it again behind, once', async () => {
    let now = 0;
    const reads: string[] = [];
    let release: (v: string) => void = () => undefined;
    const cache = new TtlCache<string>({ ttlMs: 1_000, staleMs: 5_000, maxEntries: 10, now: () => now });
    await cache.get('1001', () => Promise.resolve('alice'));
    now = 3_000;
    const slow = () => (reads.push('1001'), new Promise<string>((r) => (release = r)));
    expect(await cache.get('1001', slow)).toBe('alice'); // expired at 1,000: answered without waiting
    expect(await cache.get('1001', slow)).toBe('alice');
    expect(reads).toEqual(['1001']); // one reload for both
    release('carol');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('1001', slow)).toBe('carol');
    now = 3_000 + 1_000 + 5_000; // past ttl + staleMs: read again and waited for
    const fresh = cache.get('1001', () => Promise.resolve('dave'));
    expect(await fresh).toBe('dave');
  });

  it('fresh reads again but shares a load under way; null answers, failed reloads and dropped keys are not served stale', async () => {
    let now = 0;
    const cache = new TtlCache<string | null>({
      ttlMs: 1_000,
      staleMs: 60_000,
      maxEntries: 10,
      now: () => now,
    });
    await cache.get('a', () => Promise.resolve('alice'));
    await cache.get('n', () => Promise.resolve(null));
    now = 2_000;
    expect(await cache.get('a', () => Promise.resolve('anna'), true)).toBe('anna');
    now = 2_500; // within the ttl, yet read again
    expect(await cache.get('a', () => Promise.resolve('anna'), true)).toBe('anna');
    let release: (v: string) => void = () => undefined;
    const loading = cache.get('b', () => new Promise<string>((r) => (release = r)), true);
    const shared = cache.get('b', () => Promise.resolve('not read'), true); // a load under way is shared
    release('bob');
    expect([await loading, await shared]).toEqual(['bob', 'bob']);
    expect(await cache.get('n', () => Promise.resolve('nina'))).toBe('nina');
    now = 4_000;
    expect(await cache.get('a', () => Promise.reject(new Error('db down')))).toBe('anna');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('a', () => Promise.resolve('anya'))).toBe('anna'); // the reload failed: tried again
    await new Promise((r) => setImmediate(r));
    cache.deleteWhere((_, v) => v === 'anya');
    expect(await cache.get('a', () => Promise.resolve('ada'))).toBe('ada');
  });

  it('set keeps an answer learnt elsewhere as if just read, and deleteWhere drops it like any other', async () => {
    const cache = new TtlCache<string>({ ttlMs: 60_000, maxEntries: 10 });
    cache.set('1001', 'alice');
    const load = () => Promise.resolve('from the database');
    expect(await cache.get('1001', load)).toBe('alice');
    cache.deleteWhere((_, v) => v === 'alice');
    expect(await cache.get('1001', load)).toBe('from the database');
  });
});

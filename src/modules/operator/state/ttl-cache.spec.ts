import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('keeps answers for their time, a null one for its own, and shares a load between concurrent misses', async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string | null>(1_000, 10, () => now, 100);
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

  it('deleteWhere drops the answers picked and those still loading, and keeps the rest', async () => {
    const cache = new TtlCache<string>(60_000, 10);
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
});

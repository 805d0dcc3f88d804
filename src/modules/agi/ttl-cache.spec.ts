import { TtlCache } from './ttl-cache.js';

describe('TtlCache', () => {
  it('keeps a value, undefined included, until it expires', () => {
    let now = 1000;
    const c = new TtlCache<string, string | undefined>(100, 10, () => now);
    c.set('a', 'x');
    c.set('b', undefined);
    expect(c.get('a')).toEqual({ value: 'x' });
    expect(c.get('b')).toEqual({ value: undefined });
    expect(c.get('c')).toBeUndefined();
    now = 1099;
    expect(c.get('a')).toEqual({ value: 'x' });
    now = 1100;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(1);
  });

  it('drops the oldest entry past its bound', () => {
    const c = new TtlCache<number, number>(1000, 3);
    for (let i = 0; i < 5; i++) c.set(i, i);
    expect(c.size).toBe(3);
    expect(c.get(0)).toBeUndefined();
    expect(c.get(1)).toBeUndefined();
    expect(c.get(4)).toEqual({ value: 4 });
    c.set(2, 20); // a refreshed key becomes the newest
    c.set(5, 5);
    expect(c.get(3)).toBeUndefined();
    expect(c.get(2)).toEqual({ value: 20 });
  });
});

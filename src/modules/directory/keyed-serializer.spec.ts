import { KeyedSerializer } from './keyed-serializer.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedSerializer', () => {
  it('runs tasks of one key in order, never overlapping', async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      s.run('g', task('a', 20)),
      s.run('g', task('b', 1)),
      s.run('g', task('c', 5)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs different keys in parallel', async () => {
    const s = new KeyedSerializer();
    const log: string[] = [];
    await Promise.all([
      s.run('g1', async () => {
        log.push('g1 start');
        await tick(20);
        log.push('g1 end');
      }),
      s.run('g2', async () => {
        log.push('g2 start');
        await tick(1);
        log.push('g2 end');
      }),
    ]);
    expect(log).toEqual(['g1 start', 'g2 start', 'g2 end', 'g1 end']);
  });

  it('keeps going after a failed task, gives each caller its own outcome, and forgets idle keys', async () => {
    const s = new KeyedSerializer();
    const failed = s.run('g', () => Promise.reject(new Error('boom')));
    const next = s.run('g', async () => 'after');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('after');
    expect(s.size).toBeLessThanOrEqual(1);
    await s.idle();
    await tick(0);
    expect(s.size).toBe(0);
  });
});

import { jest } from '@jest/globals';

import { ActionIdGenerator } from './ami-action-id.js';

describe('ActionIdGenerator', () => {
  afterEach(() => jest.restoreAllMocks());

  it('never repeats an id, even when the clock stands still', () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    const gen = new ActionIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) ids.add(gen.next());
    expect(ids.size).toBe(100_000);
  });

  it('has the form <prefix>-<counter>, counting from 1', () => {
    const gen = new ActionIdGenerator('sb1');
    expect([gen.next(), gen.next(), gen.next()]).toEqual(['sb1-1', 'sb1-2', 'sb1-3']);
  });

  it('gives each client its own random prefix, so two clients on one AMI user never collide', () => {
    const prefixes = new Set(Array.from({ length: 1000 }, () => new ActionIdGenerator().prefix));
    expect(prefixes.size).toBe(1000);
    for (const p of prefixes) expect(p).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses a prefix that could break an AMI header line', () => {
    expect(() => new ActionIdGenerator('a\r\nAction: Hangup')).toThrow(/invalid ActionID prefix/);
    expect(() => new ActionIdGenerator('')).toThrow(/invalid ActionID prefix/);
  });
});

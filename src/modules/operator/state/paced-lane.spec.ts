import { jest } from '@jest/globals';
import { PacedLane } from './paced-lane.js';

describe('PacedLane', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const lane = (maxQueued = 1000) => {
    const sent: string[] = [];
    const l = new PacedLane<string>((item) => sent.push(item), { tickMs: 10, spreadMs: 100, maxQueued });
    return { l, sent };
  };

  it('spreads a burst over the spread time, a slice per tick, in order', () => {
    const { l, sent } = lane();
    for (let i = 0; i < 100; i++) l.push(`u${i}`);
    expect(sent).toEqual([]); // nothing in the pushing turn
    jest.advanceTimersByTime(10);
    expect(sent).toHaveLength(10); // 100 items over 10 ticks
    jest.advanceTimersByTime(40);
    expect(sent).toHaveLength(50);
    jest.advanceTimersByTime(50);
    expect(sent).toEqual(Array.from({ length: 100 }, (_, i) => `u${i}`));
    expect(l.size).toBe(0);
  });

  it('sends a lone item at the next tick', () => {
    const { l, sent } = lane();
    l.push('a');
    jest.advanceTimersByTime(10);
    expect(sent).toEqual(['a']);
  });

  it('replaces a queued item of the same key in its place, and keeps every unkeyed one', () => {
    const { l, sent } = lane();
    l.push('alice q1 v1', 'alice q1');
    l.push('callback 1');
    l.push('alice q1 v2', 'alice q1');
    l.push('callback 2');
    jest.advanceTimersByTime(100);
    expect(sent).toEqual(['alice q1 v2', 'callback 1', 'callback 2']);
  });

  it('sends at once rather than grow past its bound, and drops nothing', () => {
    const { l, sent } = lane(2);
    l.push('a');
    l.push('b', 'k');
    l.push('c'); // full: sent now
    l.push('b2', 'k'); // replaces a queued key: no growth
    expect(sent).toEqual(['c']);
    jest.advanceTimersByTime(100);
    expect(sent).toEqual(['c', 'a', 'b2']);
  });
});

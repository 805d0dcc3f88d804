import type { QueueStats } from '../../../client/operator-protocol.js';
import { MemoryOperatorEventLog } from './memory-operator-event-log.js';

const stats = (waiting: number): QueueStats => ({
  pbxId: 'p',
  queue: 'support',
  waiting,
  longestWaitSeconds: 0,
  oldestWaitingSince: null,
  completed: null,
  abandoned: null,
});
const at = new Date('2026-01-01T00:00:00Z');

describe('MemoryOperatorEventLog', () => {
  it('numbers each user separately, from a time base, and replays what came after a seq', async () => {
    let clock = 1_000;
    const log = new MemoryOperatorEventLog({ perUser: 10, maxUsers: 10, now: () => clock });
    const a1 = await log.append('alice', 'queue:stats', stats(1), at);
    clock = 5_000;
    const b1 = await log.append('bob', 'queue:stats', stats(1), at);
    const a2 = await log.append('alice', 'queue:stats', stats(2), at);
    expect([a1.seq, a2.seq, b1.seq]).toEqual([1_001, 1_002, 5_001]);
    expect(a2).toMatchObject({ waiting: 2, seq: 1_002, at: at.toISOString() });
    expect((await log.since('alice', 1_001))!.map((e) => [e.name, e.event.seq])).toEqual([
      ['queue:stats', 1_002],
    ]);
    expect(await log.since('alice', 1_002)).toEqual([]);
    expect(await log.lastSeq('alice')).toBe(1_002);
  });

  it('answers null (snapshot) when the gap is older than the ring, or the seq is not from this log', async () => {
    const log = new MemoryOperatorEventLog({ perUser: 3, maxUsers: 10, now: () => 1000 });
    for (let i = 1; i <= 5; i++) await log.append('u', 'queue:stats', stats(i), at); // 1001..1005
    expect((await log.since('u', 1002))!.map((e) => e.event.seq)).toEqual([1003, 1004, 1005]);
    expect(await log.since('u', 1001)).toBeNull(); // 1002 is gone
    expect(await log.since('u', 1006)).toBeNull(); // from the future: a restart
    expect(await log.since('nobody', 0)).toBeNull();
    expect(await log.since('u', Number.NaN)).toBeNull();
  });

  it('drops the least recently active user beyond maxUsers; a new stream starts above every seq issued', async () => {
    const log = new MemoryOperatorEventLog({ perUser: 5, maxUsers: 2, now: () => 100 });
    for (let i = 0; i < 50; i++) await log.append('busy', 'queue:stats', stats(i), at);
    await log.append('other', 'queue:stats', stats(0), at);
    await log.lastSeq('busy'); // busy is now the most recent
    await log.append('third', 'queue:stats', stats(0), at); // evicts "other"
    expect(log.userCount).toBe(2);
    expect(await log.since('other', 101)).toBeNull();
    const again = await log.append('other', 'queue:stats', stats(0), at);
    expect(again.seq).toBeGreaterThan(150); // above busy's 150, although the clock says 100
  });
});

import type { OperatorEvent, SequencedEventMap, SequencedEventName } from '../../client/operator-protocol.js';
import { MemoryOperatorEventLog } from '../operator/state/memory-operator-event-log.js';
import type { LoggedEvent, OperatorEventLog } from '../operator/state/operator-event-log.js';
import type { RedisService } from './redis.service.js';

/** A user's stream is forgotten after a day without events (a reconnect then gets a snapshot). */
const STREAM_TTL_SECONDS = 24 * 3600;

/**
 * KEYS: seq, log. ARGV: base (now, ms), floor, entry, perUser, ttl. The seq continues from the
 * stored one, never below `floor` (seqs this instance issued from memory while Redis was away), and
 * starts at the current time in ms for a new stream (so a client's seq from an expired stream is
 * never mistaken for a newer one). Returns the event's seq.
 */
const APPEND = `
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur == nil then cur = tonumber(ARGV[1]) end
local floor = tonumber(ARGV[2])
if cur < floor then cur = floor end
cur = cur + 1
local s = string.format('%d', cur)
redis.call('SET', KEYS[1], s, 'EX', ARGV[5])
redis.call('RPUSH', KEYS[2], s .. '\\n' .. ARGV[3])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('EXPIRE', KEYS[2], ARGV[5])
return s`;

/** KEYS: seq. ARGV: base, ttl. The stream's last seq, creating it at `base` when new. */
const LAST = `
local cur = redis.call('GET', KEYS[1])
if not cur then
  cur = ARGV[1]
  redis.call('SET', KEYS[1], cur, 'EX', ARGV[2])
end
return cur`;

/**
 * The operator event log shared by the instances: per user, a counter (`INCR`-like, in a Lua
 * script with the append) and a capped list of the last events, so that the seq is one sequence
 * whichever instance publishes, and a client resuming on another instance gets what it missed.
 *
 * While Redis is away, events are numbered and kept by a local in-memory log whose streams start
 * above every seq seen from Redis; when Redis is back its seqs continue above every local one, so a
 * client never sees a seq go backwards (it sees a jump, resyncs, and gets a snapshot if needed).
 */
export class RedisOperatorEventLog implements OperatorEventLog {
  private readonly local: MemoryOperatorEventLog;
  /** Highest seq Redis gave us, and highest we issued locally. */
  private redisHigh = 0;
  private localHigh = 0;

  constructor(
    private readonly redis: RedisService,
    private readonly opts: { perUser: number; maxUsers: number },
  ) {
    this.local = new MemoryOperatorEventLog({
      perUser: opts.perUser,
      maxUsers: opts.maxUsers,
      now: () => Math.max(Date.now(), this.redisHigh + 1),
    });
  }

  async append<K extends SequencedEventName>(
    userId: string,
    name: K,
    data: SequencedEventMap[K],
    at: Date,
  ): Promise<OperatorEvent<K>> {
    if (this.redis.up) {
      const payload = { ...data, at: at.toISOString() };
      try {
        const raw = (await this.redis.client.eval(
          APPEND,
          2,
          this.key(userId, 'seq'),
          this.key(userId, 'log'),
          String(Date.now()),
          String(this.localHigh),
          `${name}\n${JSON.stringify(payload)}`,
          String(this.opts.perUser),
          String(STREAM_TTL_SECONDS),
        )) as string;
        const seq = Number(raw);
        if (seq > this.redisHigh) this.redisHigh = seq;
        return { ...payload, seq } as unknown as OperatorEvent<K>;
      } catch (e) {
        this.redis.fellBack('event-log', e);
      }
    } else {
      this.redis.fellBack('event-log');
    }
    const event = await this.local.append(userId, name, data, at);
    if (event.seq > this.localHigh) this.localHigh = event.seq;
    return event;
  }

  async since(userId: string, afterSeq: number): Promise<LoggedEvent[] | null> {
    if (!Number.isSafeInteger(afterSeq)) return null;
    if (!this.redis.up) return this.local.since(userId, afterSeq);
    try {
      const results = await this.redis.client
        .multi()
        .get(this.key(userId, 'seq'))
        .lrange(this.key(userId, 'log'), 0, -1)
        .exec();
      if (!results) throw new Error('transaction aborted');
      const [[e1, lastRaw], [e2, entries]] = results as [
        [Error | null, string | null],
        [Error | null, string[]],
      ];
      if (e1 || e2) throw e1 ?? e2;
      if (lastRaw === null) return null;
      const last = Number(lastRaw);
      if (afterSeq > last) return null;
      if (afterSeq === last) return [];
      const events = entries.map(parseEntry);
      const oldest = events.length > 0 ? events[0].event.seq : last + 1;
      if (afterSeq + 1 < oldest) return null;
      return events.filter((ev) => ev.event.seq > afterSeq);
    } catch (e) {
      this.redis.fellBack('event-log', e);
      return this.local.since(userId, afterSeq);
    }
  }

  async lastSeq(userId: string): Promise<number> {
    if (this.redis.up) {
      try {
        const raw = (await this.redis.client.eval(
          LAST,
          1,
          this.key(userId, 'seq'),
          String(Math.max(Date.now(), this.localHigh)),
          String(STREAM_TTL_SECONDS),
        )) as string;
        return Number(raw);
      } catch (e) {
        this.redis.fellBack('event-log', e);
      }
    }
    return this.local.lastSeq(userId);
  }

  private key(userId: string, what: 'seq' | 'log'): string {
    // The hash tag keeps a user's two keys on one slot (Redis Cluster).
    return `${this.redis.prefix}ops:{${userId}}:${what}`;
  }
}

function parseEntry(raw: string): LoggedEvent {
  const a = raw.indexOf('\n');
  const b = raw.indexOf('\n', a + 1);
  const seq = Number(raw.slice(0, a));
  const name = raw.slice(a + 1, b) as SequencedEventName;
  const payload = JSON.parse(raw.slice(b + 1)) as object;
  return { name, event: { ...payload, seq } } as unknown as LoggedEvent;
}

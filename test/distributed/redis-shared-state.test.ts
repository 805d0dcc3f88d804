import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '../../src/common/errors/app-error.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { HealthService } from '../../src/modules/health/health.service.js';
import { MetricsService } from '../../src/modules/metrics/metrics.service.js';
import { RedisCallClaims } from '../../src/modules/redis/redis-call-claims.js';
import { RedisIdempotencyStore } from '../../src/modules/redis/redis-idempotency-store.js';
import { RedisOperatorEventLog } from '../../src/modules/redis/redis-operator-event-log.js';
import { RedisService } from '../../src/modules/redis/redis.service.js';
import { PgProxy } from '../calls/support/pg-proxy.js';
import { until } from '../support/until.js';

/**
 * The operator's shared state over the machine's Redis (127.0.0.1:6379), as two instances see it
 * (two RedisService each with its own connections, one key prefix), and through a TCP relay that a
 * test cuts: Redis is never stopped, only made unreachable for one "instance".
 */

const REDIS = { host: '127.0.0.1', port: 6379 };

function instance(db: string, port = REDIS.port): { redis: RedisService; health: HealthService } {
  const config = {
    redisUrl: `redis://${REDIS.host}:${port}`,
    database: { url: `postgres://x@127.0.0.1/${db}` },
  } as unknown as AppConfig;
  const health = new HealthService();
  const redis = new RedisService(config, health, new MetricsService());
  redis.onModuleInit();
  return { redis, health };
}

describe('operator shared state in Redis', () => {
  const db = `sbtest_${randomUUID().slice(0, 8)}`;
  const started: RedisService[] = [];
  const proxies: PgProxy[] = [];
  let a: RedisService;
  let b: RedisService;

  beforeAll(async () => {
    a = instance(db).redis;
    b = instance(db).redis;
    started.push(a, b);
    await until('both connected', () => a.up && b.up);
  });
  afterAll(async () => {
    const keys = await a.client.keys(`${a.prefix}*`);
    if (keys.length > 0) await a.client.del(...keys);
    for (const r of started) await r.onApplicationShutdown();
    for (const p of proxies) await p.stop();
  });

  it('numbers a user events as one sequence whichever instance publishes, and replays them on either', async () => {
    const logA = new RedisOperatorEventLog(a, { perUser: 5, maxUsers: 100 });
    const logB = new RedisOperatorEventLog(b, { perUser: 5, maxUsers: 100 });
    const user = randomUUID();
    const at = new Date();
    const first = await logA.lastSeq(user);
    expect(Math.abs(first - Date.now())).toBeLessThan(5000); // a new stream starts at the time in ms
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const log = i % 2 === 0 ? logA : logB;
      const ev = await log.append(user, 'queue:stats', { queue: `q${i}` } as never, at);
      seqs.push(ev.seq);
    }
    expect(seqs).toEqual([first + 1, first + 2, first + 3, first + 4]);
    expect(await logB.lastSeq(user)).toBe(first + 4);
    const missed = await logB.since(user, first + 1);
    expect(
      missed?.map((e) => [e.name, e.event.seq, (e.event as unknown as { queue: string }).queue]),
    ).toEqual([
      ['queue:stats', first + 2, 'q1'],
      ['queue:stats', first + 3, 'q2'],
      ['queue:stats', first + 4, 'q3'],
    ]);
    expect(await logA.since(user, first + 4)).toEqual([]);
    expect(await logA.since(user, first + 99)).toBeNull(); // not from this log: snapshot
    for (let i = 0; i < 5; i++) await logB.append(user, 'queue:stats', { queue: 'x' } as never, at);
    expect(await logA.since(user, first + 1)).toBeNull(); // trimmed away (5 kept): snapshot
    expect(await logA.since(randomUUID(), 1)).toBeNull();
  });

  it('shares idempotency keys: one run for concurrent retries on two instances, the outcome for later ones', async () => {
    const storeA = new RedisIdempotencyStore(a, { ttlMs: 60_000, maxEntries: 100 });
    const storeB = new RedisIdempotencyStore(b, { ttlMs: 60_000, maxEntries: 100 });
    const key = `user\n${randomUUID()}`;
    let runs = 0;
    const dial = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 300));
      return { dialId: 'd-1', state: 'pending' };
    };
    const [r1, r2] = await Promise.all([
      storeA.once(key, 'call:dial 123', dial),
      storeB.once(key, 'call:dial 123', dial),
    ]);
    expect(runs).toBe(1);
    expect(r1).toEqual(r2);
    expect(await storeB.once(key, 'call:dial 123', dial)).toEqual(r1);
    await expect(storeB.once(key, 'call:dial 999', dial)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });

    const failing = `user\n${randomUUID()}`;
    const refuse = async () => {
      runs++;
      throw new AppError(ErrorCode.PBX_REJECTED, 'Extension does not exist', [
        { field: 'asterisk', message: 'x' },
      ]);
    };
    await expect(storeA.once(failing, 'call:dial 1', refuse)).rejects.toMatchObject({
      code: ErrorCode.PBX_REJECTED,
    });
    const before = runs;
    const again = await storeB.once(failing, 'call:dial 1', refuse).catch((e: unknown) => e);
    expect(runs).toBe(before); // the failed Originate is not retried by a retry on another instance
    expect(again).toBeInstanceOf(AppError);
    expect(again).toMatchObject({ code: ErrorCode.PBX_REJECTED, message: 'Extension does not exist' });
  });

  it('gives an Answer to one operator across instances, and only the holder releases it', async () => {
    const claimsA = new RedisCallClaims(a);
    const claimsB = new RedisCallClaims(b);
    const call = `pbx:${randomUUID()}`;
    const [x, y] = await Promise.all([
      claimsA.claim(call, 'alice', 10_000),
      claimsB.claim(call, 'bob', 10_000),
    ]);
    expect(x).toBe(y);
    const winner = x;
    const loser = winner === 'alice' ? 'bob' : 'alice';
    expect(await claimsB.holder(call)).toBe(winner);
    await claimsA.release(call, loser);
    expect(await claimsB.holder(call)).toBe(winner);
    await claimsB.release(call, winner);
    expect(await claimsA.holder(call)).toBeNull();
  });

  it('while Redis is unreachable: answers at once from memory, seqs keep rising, /health degraded; recovers when it returns', async () => {
    const proxy = new PgProxy(REDIS.host, REDIS.port);
    proxies.push(proxy);
    const port = await proxy.start();
    const { redis: c, health } = instance(db, port);
    started.push(c);
    await until('connected through the relay', () => c.up);
    const log = new RedisOperatorEventLog(c, { perUser: 50, maxUsers: 100 });
    const store = new RedisIdempotencyStore(c, { ttlMs: 60_000, maxEntries: 100 });
    const user = randomUUID();
    const at = new Date();
    const s1 = (await log.append(user, 'queue:stats', { queue: 'a' } as never, at)).seq;

    proxy.cut();
    await until('seen down', () => !c.up);
    const t0 = performance.now();
    const s2 = (await log.append(user, 'queue:stats', { queue: 'b' } as never, at)).seq;
    const s3 = (await log.append(user, 'queue:stats', { queue: 'c' } as never, at)).seq;
    expect(performance.now() - t0).toBeLessThan(100); // no waiting for Redis
    expect(s2).toBeGreaterThan(s1);
    expect(s3).toBe(s2 + 1);
    expect(await log.since(user, s2)).toHaveLength(1); // replay from the local log meanwhile
    expect(await store.once('k1', 'f', () => Promise.resolve(42))).toBe(42);
    const h = await health.report();
    expect(h.status).toBe('degraded');
    expect(h.components.redis).toMatchObject({ status: 'degraded' });

    proxy.restore();
    await until('back', () => c.up, 15_000);
    const s4 = (await log.append(user, 'queue:stats', { queue: 'd' } as never, at)).seq;
    expect(s4).toBeGreaterThan(s3); // never backwards
    expect((await health.report()).components.redis).toMatchObject({ status: 'up' });
    // the stream in Redis continues above the local seqs for every instance
    const other = new RedisOperatorEventLog(a, { perUser: 50, maxUsers: 100 });
    expect(await other.lastSeq(user)).toBe(s4);
  }, 30_000);
});

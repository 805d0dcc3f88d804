import { type CallClaims, MemoryCallClaims } from '../operator/state/call-claims.js';
import type { RedisService } from './redis.service.js';

/** KEYS: claim. ARGV: userId. Deletes the claim only if this user holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Who is taking a ringing call, shared by the instances: `SET NX PX` wins the Answer for one
 * operator wherever the others pressed it. While Redis is away, claims hold per instance.
 */
export class RedisCallClaims implements CallClaims {
  private readonly local = new MemoryCallClaims();

  constructor(private readonly redis: RedisService) {}

  async claim(callId: string, userId: string, ttlMs: number): Promise<string> {
    if (this.redis.up) {
      try {
        const k = this.key(callId);
        const won = await this.redis.client.set(k, userId, 'PX', ttlMs, 'NX');
        if (won === 'OK') return userId;
        return (await this.redis.client.get(k)) ?? (await this.claim(callId, userId, ttlMs));
      } catch (e) {
        this.redis.fellBack('call-claims', e);
      }
    }
    return this.local.claim(callId, userId, ttlMs);
  }

  async release(callId: string, userId: string): Promise<void> {
    await this.local.release(callId, userId);
    if (!this.redis.up) return;
    try {
      await this.redis.client.eval(RELEASE, 1, this.key(callId), userId);
    } catch (e) {
      this.redis.fellBack('call-claims', e);
    }
  }

  async holder(callId: string): Promise<string | null> {
    if (this.redis.up) {
      try {
        return await this.redis.client.get(this.key(callId));
      } catch (e) {
        this.redis.fellBack('call-claims', e);
      }
    }
    return this.local.holder(callId);
  }

  private key(callId: string): string {
    return `${this.redis.prefix}claim:${callId}`;
  }
}

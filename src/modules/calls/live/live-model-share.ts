import type { Logger } from '@nestjs/common';
import type { RedisService } from '../../redis/redis.service.js';
import type { LiveAgentDto, LiveCallDto, LiveQueueDto } from './live.dto.js';

/** One PBX's live model as its ingesting instance last published it. */
export interface SharedLiveModel {
  pbxId: string;
  /** Epoch ms of the publication: older than SHARED_MODEL_MAX_AGE_MS is ignored. */
  at: number;
  calls: LiveCallDto[];
  queues: LiveQueueDto[];
  agents: LiveAgentDto[];
}

export const SHARE_EVERY_MS = 1_000;
/** An instance that died stops refreshing its PBXes: their model is dropped after this. */
export const SHARED_MODEL_MAX_AGE_MS = 5_000;

/**
 * The live model across instances: each PBX is followed by one instance (the ingest lease), which
 * writes that PBX's model to one Redis hash field every second; any instance answering
 * /api/v1/live/* reads the fields of the PBXes it does not follow. A field not refreshed for
 * SHARED_MODEL_MAX_AGE_MS (its instance died; the next owner overwrites it) is ignored. Redis
 * away: each instance answers with what it follows, never waiting for Redis.
 */
export class LiveModelShare {
  constructor(
    private readonly redis: RedisService,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** One hash per call center (RedisService.prefix: instances sharing a database share it). */
  private get key(): string {
    return `${this.redis.prefix}live-model`;
  }

  get enabled(): boolean {
    return this.redis.enabled;
  }

  async publish(models: readonly SharedLiveModel[]): Promise<void> {
    if (!this.redis.up || models.length === 0) return;
    const fields: Record<string, string> = {};
    for (const m of models) fields[m.pbxId] = JSON.stringify(m);
    try {
      await this.redis.client.hset(this.key, fields);
    } catch (e) {
      this.logger.debug({ err: (e as Error).message }, 'Could not share the live model');
    }
  }

  /** Fresh models of PBXes other instances follow (not those in `followedHere`). */
  async read(followedHere: ReadonlySet<string>): Promise<SharedLiveModel[]> {
    if (!this.redis.up) return [];
    let raw: Record<string, string>;
    try {
      raw = await this.redis.client.hgetall(this.key);
    } catch (e) {
      this.logger.debug({ err: (e as Error).message }, 'Could not read the shared live model');
      return [];
    }
    const out: SharedLiveModel[] = [];
    for (const [pbxId, json] of Object.entries(raw)) {
      if (followedHere.has(pbxId)) continue;
      try {
        const m = JSON.parse(json) as SharedLiveModel;
        if (m.pbxId === pbxId && this.now() - m.at <= SHARED_MODEL_MAX_AGE_MS) out.push(m);
      } catch {
        this.logger.warn({ pbxId }, 'Ignored an unreadable shared live model');
      }
    }
    return out;
  }
}

import type { DataSource } from 'typeorm';
import { extensionKey, type PbxExtension } from '../../../common/pbx-extension.js';

/** How long a found extension -> user answer is reused: a phone handed to someone else is seen within this. */
export const EXTENSION_OWNER_TTL_MS = 5_000;
/** Most answers kept; the oldest go first. */
const MAX_CACHED = 10_000;

/**
 * Extension -> user (the owner of the peer, active or not), one query for whatever a batch asks
 * that was not found in the last few seconds. The CommEvent writer and the operator events ask for
 * the same few agents over and over, every query costs about a millisecond of the event loop, and
 * phones change owner rarely. An extension without a peer is asked again each time, so a phone
 * added a moment ago counts at once.
 */
export class ExtensionOwners {
  /** key -> user id and when it was read; oldest first. */
  private readonly cache = new Map<string, { userId: string; at: number }>();

  constructor(
    private readonly db: DataSource,
    private readonly ttlMs = EXTENSION_OWNER_TTL_MS,
  ) {}

  async usersByExtension(keys: readonly PbxExtension[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const now = Date.now();
    const missing = new Map<string, PbxExtension>();
    for (const k of keys) {
      const key = extensionKey(k.pbxId, k.extension);
      const hit = this.cache.get(key);
      if (hit !== undefined && now - hit.at < this.ttlMs) found.set(key, hit.userId);
      else missing.set(key, k);
    }
    if (missing.size === 0) return found;
    const asked = [...missing.values()];
    const rows = (await this.db.query(
      `SELECT p.pbx_id AS "pbxId", p.extension, p.user_id AS "userId"
       FROM unnest($1::uuid[], $2::varchar[]) AS k(pbx_id, extension)
       JOIN directory_peers p ON p.pbx_id = k.pbx_id AND p.extension = k.extension`,
      [asked.map((k) => k.pbxId), asked.map((k) => k.extension)],
    )) as { pbxId: string; extension: string; userId: string }[];
    for (const r of rows) {
      const key = extensionKey(r.pbxId, r.extension);
      found.set(key, r.userId);
      this.remember(key, r.userId, now);
    }
    return found;
  }

  /** The directory changed for these users (null: for anyone): their phones are read again. */
  forget(users: readonly string[] | null): void {
    if (users === null) return this.cache.clear();
    const changed = new Set(users);
    for (const [key, hit] of this.cache) if (changed.has(hit.userId)) this.cache.delete(key);
  }

  private remember(key: string, userId: string, at: number): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { userId, at });
  }
}

import type { DataSource } from 'typeorm';
import { extensionKey, type PbxExtension } from '../../../common/pbx-extension.js';

/**
 * How long a found extension -> user answer is reused while directory changes are not heard: a
 * phone handed to someone else is seen within this.
 */
export const EXTENSION_OWNER_TTL_MS = 5_000;
/** Most answers kept; the oldest go first. */
const MAX_CACHED = 10_000;

/**
 * Extension -> user (the owner of the peer, active or not), one query for whatever a batch asks
 * that was not found in the last few seconds. The CommEvent writer and the operator events ask for
 * the same few agents over and over, every query costs about a millisecond of the event loop, and
 * phones change owner rarely. The ttls are asked at each read (DirectoryChanges.cacheTtlMs: long
 * while every change is heard, since a change drops what it touches). An extension without a peer
 * is asked again each time unless `unknownTtlMs` says otherwise, and then every change forgets it
 * (a change names users, not the phones they were given): a phone added a moment ago counts at once.
 */
export class ExtensionOwners {
  /** key -> user id (null: nobody's) and when it was read; oldest first. */
  private readonly cache = new Map<string, { userId: string | null; at: number }>();
  /** Counts forget() calls: a query that a change overtook does not fill the cache. */
  private changes = 0;

  constructor(
    private readonly db: DataSource,
    private readonly ttlMs: () => number = () => EXTENSION_OWNER_TTL_MS,
    private readonly unknownTtlMs: () => number = () => 0,
  ) {}

  async usersByExtension(keys: readonly PbxExtension[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const now = Date.now();
    const missing = new Map<string, PbxExtension>();
    const ttl = this.ttlMs();
    const unknownTtl = this.unknownTtlMs();
    for (const k of keys) {
      const key = extensionKey(k.pbxId, k.extension);
      const hit = this.cache.get(key);
      if (hit === undefined || now - hit.at >= (hit.userId === null ? unknownTtl : ttl)) missing.set(key, k);
      else if (hit.userId !== null) found.set(key, hit.userId);
    }
    if (missing.size === 0) return found;
    const asked = [...missing.values()];
    const changes = this.changes;
    const rows = (await this.db.query(
      `SELECT p.pbx_id AS "pbxId", p.extension, p.user_id AS "userId"
       FROM unnest($1::uuid[], $2::varchar[]) AS k(pbx_id, extension)
       JOIN directory_peers p ON p.pbx_id = k.pbx_id AND p.extension = k.extension`,
      [asked.map((k) => k.pbxId), asked.map((k) => k.extension)],
    )) as { pbxId: string; extension: string; userId: string }[];
    const current = changes === this.changes; // else the rows may predate the change
    for (const r of rows) {
      const key = extensionKey(r.pbxId, r.extension);
      found.set(key, r.userId);
      if (current) this.remember(key, r.userId, now);
    }
    if (current && unknownTtl > 0)
      for (const key of missing.keys()) if (!found.has(key)) this.remember(key, null, now);
    return found;
  }

  /** The directory changed for these users (null: for anyone): their phones, and phones nobody had, are read again. */
  forget(users: readonly string[] | null): void {
    this.changes++;
    if (users === null) return this.cache.clear();
    const changed = new Set(users);
    for (const [key, hit] of this.cache)
      if (hit.userId === null || changed.has(hit.userId)) this.cache.delete(key);
  }

  private remember(key: string, userId: string | null, at: number): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { userId, at });
  }
}

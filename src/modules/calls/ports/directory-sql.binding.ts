import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  type AgentDirectory,
  CALLS_AGENT_DIRECTORY,
  CALLS_SUPERVISION,
  extensionKey,
  type PbxExtension,
  type SupervisedScope,
  type Supervision,
} from './calls.ports.js';

/*
 * Stopgap bindings of the agent-directory and supervision ports, reading the directory's tables
 * (directory_peers, directory_groups, directory_memberships) with one query each. DirectoryService
 * has no batch `usersByExtension` nor `groupsSupervisedBy` yet; once it does, bind the ports to
 * it in the directory module (same tokens) and delete this file.
 */

/** How long a found extension -> user answer is reused: a phone handed to someone else is seen within this. */
export const AGENT_CACHE_TTL_MS = 5_000;
const AGENT_CACHE_MAX = 10_000;

/**
 * Extension -> user, one query for whatever a call asks that was not found in the last few
 * seconds. Every query costs about a millisecond of the event loop here, and the writer and the
 * operator events ask for the same few agents over and over; phones change owner rarely. An
 * extension without a peer is asked again each time, so a phone added a moment ago counts at once.
 */
export class SqlAgentDirectory implements AgentDirectory {
  /** key -> user id and when it was read; oldest first. */
  private readonly cache = new Map<string, { userId: string; at: number }>();

  constructor(
    private readonly ds: DataSource,
    private readonly ttlMs = AGENT_CACHE_TTL_MS,
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
    const rows = (await this.ds.query(
      `SELECT p.pbx_id AS "pbxId", p.extension, p.user_id AS "userId"
       FROM unnest($1::uuid[], $2::varchar[]) AS k(pbx_id, extension)
       JOIN directory_peers p ON p.pbx_id = k.pbx_id AND p.extension = k.extension`,
      [[...missing.values()].map((k) => k.pbxId), [...missing.values()].map((k) => k.extension)],
    )) as { pbxId: string; extension: string; userId: string }[];
    for (const r of rows) {
      const key = extensionKey(r.pbxId, r.extension);
      found.set(key, r.userId);
      this.remember(key, r.userId, now);
    }
    return found;
  }

  private remember(key: string, userId: string, at: number): void {
    this.cache.delete(key);
    if (this.cache.size >= AGENT_CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { userId, at });
  }
}

export class SqlSupervision implements Supervision {
  constructor(private readonly ds: DataSource) {}

  async groupsSupervisedBy(userId: string): Promise<SupervisedScope> {
    const rows = (await this.ds.query(
      `SELECT g.pbx_id AS "pbxId", g.queue,
              ARRAY(SELECT m.user_id FROM directory_memberships m WHERE m.group_id = g.id) AS "userIds"
       FROM directory_memberships s
       JOIN directory_groups g ON g.id = s.group_id
       WHERE s.user_id = $1 AND s.role = 'supervisor'`,
      [userId],
    )) as { pbxId: string; queue: string; userIds: string[] }[];
    return {
      queues: rows.map((r) => ({ pbxId: r.pbxId, queue: r.queue })),
      userIds: [...new Set(rows.flatMap((r) => r.userIds))],
    };
  }
}

export const directorySqlProviders: Provider[] = [
  {
    provide: CALLS_AGENT_DIRECTORY,
    inject: [DataSource],
    useFactory: (ds: DataSource) => new SqlAgentDirectory(ds),
  },
  {
    provide: CALLS_SUPERVISION,
    inject: [DataSource],
    useFactory: (ds: DataSource) => new SqlSupervision(ds),
  },
];

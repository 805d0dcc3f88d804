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

export class SqlAgentDirectory implements AgentDirectory {
  constructor(private readonly ds: DataSource) {}

  async usersByExtension(keys: readonly PbxExtension[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (keys.length === 0) return found;
    const rows = (await this.ds.query(
      `SELECT p.pbx_id AS "pbxId", p.extension, p.user_id AS "userId"
       FROM unnest($1::uuid[], $2::varchar[]) AS k(pbx_id, extension)
       JOIN directory_peers p ON p.pbx_id = k.pbx_id AND p.extension = k.extension`,
      [keys.map((k) => k.pbxId), keys.map((k) => k.extension)],
    )) as { pbxId: string; extension: string; userId: string }[];
    for (const r of rows) found.set(extensionKey(r.pbxId, r.extension), r.userId);
    return found;
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

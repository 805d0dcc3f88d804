import { Injectable } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { CallsService } from '../calls.service.js';
import { extensionKey } from '../ports/calls.ports.js';
import { CallsPorts } from '../ports/calls-ports.js';
import type { ExtensionState, LiveCall, QueueMemberState } from '../tracker/index.js';
import { LiveAgentDto, LiveCallDto, LiveQueueDto } from './live.dto.js';

/**
 * The live model for REST: calls in progress, queues and agents, from the trackers. Queues and
 * agents are the call center's wallboard (every signed-in user); calls follow the CommEvent rules
 * (operators their own, supervisors their groups', admins and API keys all).
 */
@Injectable()
export class LiveService {
  constructor(
    private readonly tracking: CallsService,
    private readonly ports: CallsPorts,
  ) {}

  async calls(p: Principal): Promise<LiveCallDto[]> {
    const all = this.tracking.liveCalls();
    if (p.kind === 'api-key' || p.role === 'admin') return all.map((c) => LiveCallDto.from(c));
    const users = await this.agentUsers(all);
    const userOf = (c: LiveCall) =>
      c.agentExtension ? users.get(extensionKey(c.pbx, c.agentExtension)) : undefined;
    let allowedUsers = new Set([p.userId]);
    let queues: { pbxId: string; queue: string }[] = [];
    if (p.role === 'supervisor' && this.ports.supervision) {
      const s = await this.ports.supervision.groupsSupervisedBy(p.userId);
      allowedUsers = new Set([p.userId, ...s.userIds]);
      queues = [...s.queues];
    }
    return all
      .filter((c) => {
        const u = userOf(c);
        if (u !== undefined && allowedUsers.has(u)) return true;
        return c.queue !== null && queues.some((q) => q.pbxId === c.pbx && q.queue === c.queue);
      })
      .map((c) => LiveCallDto.from(c));
  }

  queues(): LiveQueueDto[] {
    return this.tracking.queues().map((q) => LiveQueueDto.from(q));
  }

  /** One entry per (PBX, extension) seen as a queue member or with a device/hint state. */
  agents(): LiveAgentDto[] {
    const members = new Map<string, QueueMemberState[]>();
    const exts = new Map<string, ExtensionState>();
    const keys = new Map<string, { pbxId: string; extension: string }>();
    for (const m of this.tracking.queueMembers()) {
      if (m.extension === null) continue;
      const key = extensionKey(m.pbxId, m.extension);
      keys.set(key, { pbxId: m.pbxId, extension: m.extension });
      members.set(key, [...(members.get(key) ?? []), m]);
    }
    for (const e of this.tracking.extensions()) {
      const key = extensionKey(e.pbxId, e.extension);
      keys.set(key, { pbxId: e.pbxId, extension: e.extension });
      exts.set(key, e);
    }
    const current = new Map<string, string>();
    for (const c of this.tracking.liveCalls()) {
      if (c.agentExtension) current.set(extensionKey(c.pbx, c.agentExtension), c.linkedid);
    }
    return [...keys]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, k]) =>
        LiveAgentDto.build(
          k.pbxId,
          k.extension,
          exts.get(key),
          members.get(key) ?? [],
          current.get(key) ?? null,
        ),
      );
  }

  private async agentUsers(calls: readonly LiveCall[]): Promise<Map<string, string>> {
    const directory = this.ports.agentDirectory;
    const keys = new Map<string, { pbxId: string; extension: string }>();
    for (const c of calls) {
      if (c.agentExtension)
        keys.set(extensionKey(c.pbx, c.agentExtension), { pbxId: c.pbx, extension: c.agentExtension });
    }
    if (!directory || keys.size === 0) return new Map();
    return directory.usersByExtension([...keys.values()]);
  }
}

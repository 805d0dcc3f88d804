import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Principal } from '../../auth/principal.js';
import { AmiGatewayService } from '../../ami/ami-gateway.service.js';
import { RedisService } from '../../redis/redis.service.js';
import { CallsService } from '../calls.service.js';
import { extensionKey } from '../ports/calls.ports.js';
import { CallsPorts } from '../ports/calls-ports.js';
import type { ExtensionState, QueueMemberState } from '../tracker/index.js';
import { LiveModelShare, SHARE_EVERY_MS, type SharedLiveModel } from './live-model-share.js';
import { LiveAgentDto, LiveCallDto, LiveQueueDto } from './live.dto.js';

/**
 * The live model for REST: calls in progress, queues and agents, from the trackers of the PBXes
 * this instance follows and, with REDIS_URL, the models the other instances share for theirs
 * (LiveModelShare), so that every instance shows the whole call center. Queues and agents are the
 * call center's wallboard (every signed-in user); calls follow the CommEvent rules (operators
 * their own, supervisors their groups', admins and API keys all).
 */
@Injectable()
export class LiveService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveService.name);
  private readonly share: LiveModelShare;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracking: CallsService,
    private readonly ports: CallsPorts,
    private readonly gateway: AmiGatewayService,
    redis: RedisService,
  ) {
    this.share = new LiveModelShare(redis, this.logger);
  }

  onApplicationBootstrap(): void {
    if (!this.share.enabled) return;
    this.timer = setInterval(() => void this.share.publish(this.localModels()), SHARE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async calls(p: Principal): Promise<LiveCallDto[]> {
    const all = (await this.models()).flatMap((m) => m.calls);
    if (p.kind === 'api-key' || p.role === 'admin') return all;
    const users = await this.agentUsers(all);
    const userOf = (c: LiveCallDto) =>
      c.agentExtension ? users.get(extensionKey(c.pbxId, c.agentExtension)) : undefined;
    let allowedUsers = new Set([p.userId]);
    let queues: { pbxId: string; queue: string }[] = [];
    if (p.role === 'supervisor' && this.ports.supervision) {
      const s = await this.ports.supervision.groupsSupervisedBy(p.userId);
      allowedUsers = new Set([p.userId, ...s.userIds]);
      queues = [...s.queues];
    }
    return all.filter((c) => {
      const u = userOf(c);
      if (u !== undefined && allowedUsers.has(u)) return true;
      return c.queue !== null && queues.some((q) => q.pbxId === c.pbxId && q.queue === c.queue);
    });
  }

  async queues(): Promise<LiveQueueDto[]> {
    return (await this.models()).flatMap((m) => m.queues);
  }

  async agents(): Promise<LiveAgentDto[]> {
    return (await this.models()).flatMap((m) => m.agents);
  }

  /** The models of the PBXes followed here, then those other instances share. */
  private async models(): Promise<SharedLiveModel[]> {
    const local = this.localModels();
    if (!this.share.enabled) return local;
    const here = new Set(
      this.gateway
        .statuses()
        .map((s) => s.pbxId)
        .filter((id) => this.gateway.ingesting(id)),
    );
    for (const m of local) here.add(m.pbxId);
    return [...local, ...(await this.share.read(here))];
  }

  /** Per PBX followed here: its calls, queues and agents (one entry per extension seen). */
  private localModels(): SharedLiveModel[] {
    const at = Date.now();
    const byPbx = new Map<string, SharedLiveModel>();
    const model = (pbxId: string) => {
      let m = byPbx.get(pbxId);
      if (!m) byPbx.set(pbxId, (m = { pbxId, at, calls: [], queues: [], agents: [] }));
      return m;
    };
    const current = new Map<string, string>();
    for (const c of this.tracking.liveCalls()) {
      model(c.pbx).calls.push(LiveCallDto.from(c));
      if (c.agentExtension) current.set(extensionKey(c.pbx, c.agentExtension), c.linkedid);
    }
    for (const q of this.tracking.queues()) model(q.pbxId).queues.push(LiveQueueDto.from(q));
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
    for (const [key, k] of [...keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      model(k.pbxId).agents.push(
        LiveAgentDto.build(
          k.pbxId,
          k.extension,
          exts.get(key),
          members.get(key) ?? [],
          current.get(key) ?? null,
        ),
      );
    }
    return [...byPbx.values()];
  }

  private async agentUsers(calls: readonly LiveCallDto[]): Promise<Map<string, string>> {
    const directory = this.ports.agentDirectory;
    const keys = new Map<string, { pbxId: string; extension: string }>();
    for (const c of calls) {
      if (c.agentExtension)
        keys.set(extensionKey(c.pbxId, c.agentExtension), { pbxId: c.pbxId, extension: c.agentExtension });
    }
    if (!directory || keys.size === 0) return new Map();
    return directory.usersByExtension([...keys.values()]);
  }
}

import { Injectable } from '@nestjs/common';
import type { AgentStatus, PresenceStatus } from '../../client/operator-protocol.js';
import type { ExtensionState, QueueMemberState } from '../calls/tracker/index.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import type { OperatorMembership, OperatorPeer } from './ports/operator-ports.js';
import { TtlCache } from './state/ttl-cache.js';

interface DirectoryView {
  groups: OperatorMembership[];
  peer: OperatorPeer | null;
}

/** Bounds of the live maps (fed by the PBX's events). */
const MAX_MEMBERS = 100_000;
const MAX_USERS = 50_000;

/**
 * An agent's status as operators see it: their groups and phone from the directory (cached a
 * minute: it changes rarely and every call changes the status), overlaid with what Asterisk says
 * now (queue member pause, login and the phone's presence, kept here from the calls module's
 * events). Building one costs no query on a warm cache, so it can follow every call.
 */
@Injectable()
export class AgentStatusService {
  private readonly members = new Map<string, QueueMemberState>();
  private readonly presence = new Map<string, PresenceStatus>();
  private readonly names = new Map<string, string>();
  private readonly lastSent = new Map<string, string>();
  private readonly directory = new TtlCache<DirectoryView>({
    ttlMs: () => this.ports.directory.cacheTtlMs(60_000),
    staleMs: 60_000,
    maxEntries: MAX_USERS,
  });

  constructor(private readonly ports: OperatorPorts) {}

  /** A queue member changed in Asterisk (pause, login, device status). */
  onMember(pbxId: string, m: QueueMemberState): void {
    if (m.extension === null) return;
    const key = `${pbxId}\n${m.queue}\n${m.extension}`;
    this.members.delete(key);
    if (!m.loggedIn) return;
    if (this.members.size >= MAX_MEMBERS) this.members.delete(this.members.keys().next().value!);
    this.members.set(key, m);
  }

  onPresence(pbxId: string, e: ExtensionState): void {
    const key = `${pbxId}\n${e.extension}`;
    this.presence.delete(key);
    if (this.presence.size >= MAX_MEMBERS) this.presence.delete(this.presence.keys().next().value!);
    this.presence.set(key, e.status);
  }

  /** The name shown for a user (learnt from their token when they connect). */
  rememberName(userId: string, displayName: string): void {
    this.names.delete(userId);
    if (this.names.size >= MAX_USERS) this.names.delete(this.names.keys().next().value!);
    this.names.set(userId, displayName);
  }

  /** The directory changed for this user (null: for anyone): read it again next time. */
  forget(userId: string | null): void {
    if (userId === null) this.directory.clear();
    else this.directory.delete(userId);
  }

  async status(userId: string): Promise<AgentStatus> {
    const { groups, peer } = await this.directory.get(userId, async () => {
      const [g, p] = await Promise.all([
        this.ports.directory.groupsOfUser(userId),
        this.ports.directory.peerOfUser(userId).catch(() => null),
      ]);
      return { groups: g, peer: p };
    });
    const memberships = groups.map((g) => {
      const live =
        peer && peer.pbxId === g.pbxId
          ? this.members.get(`${g.pbxId}\n${g.queue}\n${peer.extension}`)
          : undefined;
      return {
        groupId: g.groupId,
        group: g.name,
        pbxId: g.pbxId,
        queue: g.queue,
        role: g.role,
        // Asterisk's word when it has one: it is what the queue does.
        loggedIn: live ? true : g.loggedIn,
        paused: live ? live.paused : g.paused,
        pausedReason: live ? live.pausedReason || null : g.pausedReason,
      };
    });
    const loggedIn = memberships.filter((m) => m.loggedIn);
    const paused = loggedIn.length > 0 && loggedIn.every((m) => m.paused);
    return {
      userId,
      displayName: this.names.get(userId) ?? null,
      extension: peer?.extension ?? null,
      pbxId: peer?.pbxId ?? null,
      paused,
      pausedReason: paused ? (loggedIn.find((m) => m.pausedReason)?.pausedReason ?? null) : null,
      presence: peer ? (this.presence.get(`${peer.pbxId}\n${peer.extension}`) ?? null) : null,
      memberships,
    };
  }

  /** True when this status differs from the last one sent for the user (and remembers it). */
  changed(status: AgentStatus): boolean {
    const text = JSON.stringify(status);
    if (this.lastSent.get(status.userId) === text) return false;
    this.lastSent.delete(status.userId);
    if (this.lastSent.size >= MAX_USERS) this.lastSent.delete(this.lastSent.keys().next().value!);
    this.lastSent.set(status.userId, text);
    return true;
  }
}

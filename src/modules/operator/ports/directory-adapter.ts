import { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import type { Principal } from '../../auth/principal.js';
import type { AgentDirectory } from '../../calls/ports/calls.ports.js';
import { DirectoryService } from '../../directory/directory.service.js';
import type { GroupQueryDto } from '../../directory/groups/group.dto.js';
import { GroupsService } from '../../directory/groups/groups.service.js';
import { MembershipsService } from '../../directory/members/memberships.service.js';
import type { PeerQueryDto } from '../../directory/peers/peer.dto.js';
import { PeersService } from '../../directory/peers/peers.service.js';
import {
  extensionKey,
  type OperatorDirectory,
  type OperatorMembership,
  type OperatorPeer,
} from './operator-ports.js';

/** The gateway reads the directory as an admin would (it decides itself who may see what). */
const GATEWAY: Principal = { kind: 'api-key', role: 'admin', keyId: 'operator-gateway' };

/**
 * The operator port over the directory module's services, found at bootstrap (interim: the
 * directory exports only DirectoryService so far; extension -> user, peers of a user, group of a
 * queue and pause are read through its PeersService, GroupsService and MembershipsService, which
 * should become DirectoryService methods). A missing service makes only its methods fail.
 */
export class DirectoryOperatorAdapter implements OperatorDirectory {
  private readonly logger = new Logger('OperatorDirectory');
  private readonly directory?: DirectoryService;
  private readonly peers?: PeersService;
  private readonly groups?: GroupsService;
  private readonly memberships?: MembershipsService;

  constructor(
    moduleRef: ModuleRef,
    /** The calls module's extension -> user port (one query for a batch), when bound. */
    private readonly agents?: AgentDirectory,
  ) {
    const find = <T>(token: abstract new (...args: never[]) => T): T | undefined => {
      try {
        return moduleRef.get(token as never, { strict: false }) as T;
      } catch {
        return undefined;
      }
    };
    this.directory = find(DirectoryService);
    this.peers = find(PeersService);
    this.groups = find(GroupsService);
    this.memberships = find(MembershipsService);
    const missing = Object.entries({
      DirectoryService: this.directory,
      PeersService: this.peers,
      GroupsService: this.groups,
      MembershipsService: this.memberships,
    })
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (missing.length > 0) this.logger.warn({ missing }, 'Operator gateway: directory services not found');
  }

  get bound(): boolean {
    return this.directory !== undefined && this.peers !== undefined;
  }

  async usersByExtension(
    keys: readonly { pbxId: string; extension: string }[],
  ): Promise<Map<string, string>> {
    if (this.agents) return this.agents.usersByExtension(keys);
    const peers = this.need(this.peers, 'PeersService');
    const out = new Map<string, string>();
    await Promise.all(
      keys.map(async ({ pbxId, extension }) => {
        const { items } = await peers.list(GATEWAY, {
          pbxId,
          extension,
          active: true,
          limit: 1,
          offset: 0,
        } as PeerQueryDto);
        if (items[0]) out.set(extensionKey(pbxId, extension), items[0].userId);
      }),
    );
    return out;
  }

  async peerOfUser(userId: string, pbxId?: string): Promise<OperatorPeer | null> {
    const directory = this.need(this.directory, 'DirectoryService');
    const available = await directory.availablePeerForUser(userId, pbxId);
    if (available) return available;
    // Paused or logged off: still their phone for click-to-call.
    const { items } = await this.need(this.peers, 'PeersService').list(GATEWAY, {
      userId,
      pbxId,
      active: true,
      limit: 1,
      offset: 0,
    } as PeerQueryDto);
    return items[0] ?? null;
  }

  async groupsOfUser(userId: string): Promise<OperatorMembership[]> {
    return this.need(this.directory, 'DirectoryService').groupsOfUser(userId);
  }

  async supervisorsOfUser(userId: string): Promise<string[]> {
    return (await this.need(this.directory, 'DirectoryService').supervisorsOfUser(userId)).map(
      (s) => s.userId,
    );
  }

  async groupOfQueue(pbxId: string, queue: string): Promise<{ groupId: string; name: string } | null> {
    const { items } = await this.need(this.groups, 'GroupsService').list(GATEWAY, {
      pbxId,
      queue,
      limit: 1,
      offset: 0,
    } as GroupQueryDto);
    return items[0] ? { groupId: items[0].id, name: items[0].name } : null;
  }

  async setPaused(
    actor: Principal,
    userId: string,
    paused: boolean,
    reason: string | undefined,
  ): Promise<void> {
    const memberships = this.need(this.memberships, 'MembershipsService');
    const groups = (await this.groupsOfUser(userId)).filter((g) => g.loggedIn);
    if (groups.length === 0) {
      throw AppError.conflict('You are not logged in to any group: log in before pausing');
    }
    for (const g of groups) {
      await memberships.agent(
        actor,
        g.groupId,
        userId,
        paused ? 'pause' : 'unpause',
        paused ? { reason } : {},
      );
    }
  }

  private need<T>(service: T | undefined, name: string): T {
    if (service === undefined) {
      throw new AppError(ErrorCode.UNAVAILABLE, `The directory is not available (${name} is not loaded)`);
    }
    return service;
  }
}

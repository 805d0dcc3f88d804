import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PbxService } from '../pbx/pbx.service.js';
import { normaliseDid } from './did.util.js';
import { GroupNumber } from './groups/group-number.entity.js';
import type { PopupSettings } from './groups/group.entity.js';
import { type MemberRole, Membership } from './members/membership.entity.js';
import { Peer } from './peers/peer.entity.js';
import { UUID_PATTERN as UUID } from '../../common/uuid.js';

/** A phone, for routing and click-to-call. */
export interface DirectoryPeer {
  id: string;
  pbxId: string;
  userId: string;
  extension: string;
  dialInterface: string;
  stateInterface: string | null;
  trunk: string | null;
  callerId: string | null;
  autoAnswerHeader: string | null;
}

/** The group and queue that answer a DID. */
export interface DirectoryQueueTarget {
  groupId: string;
  groupName: string;
  pbxId: string;
  queue: string;
  did: string;
  profileUrlTemplate: string | null;
  popupSettings: PopupSettings;
}

export interface DirectoryUserGroup {
  groupId: string;
  name: string;
  pbxId: string;
  queue: string;
  active: boolean;
  role: MemberRole;
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
}

export interface DirectorySupervisor {
  userId: string;
  displayName: string;
  /** The groups where they supervise the user asked about. */
  groupIds: string[];
}

const toPeer = (p: Peer): DirectoryPeer => ({
  id: p.id,
  pbxId: p.pbxId,
  userId: p.userId,
  extension: p.extension,
  dialInterface: p.dialInterface,
  stateInterface: p.stateInterface,
  trunk: p.trunk,
  callerId: p.callerId,
  autoAnswerHeader: p.autoAnswerHeader,
});

/**
 * The directory as other modules read it (AGI routing, the operator gateway, click-to-call).
 * `pbxId` arguments take a PBX id or name; absent, every PBX is searched.
 */
@Injectable()
export class DirectoryService {
  constructor(
    @InjectRepository(Peer) private readonly peers: Repository<Peer>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectRepository(GroupNumber) private readonly numbers: Repository<GroupNumber>,
    private readonly pbxes: PbxService,
  ) {}

  /**
   * A phone the user can take a call on now: an active peer they are logged in with, not paused,
   * in some group of that PBX. Null when there is none (logged off, paused everywhere, deactivated).
   */
  async availablePeerForUser(userId: string, pbxId?: string): Promise<DirectoryPeer | null> {
    if (!UUID.test(userId)) return null;
    const pbx = await this.pbxIdOf(pbxId);
    if (pbx === null) return null;
    const qb = this.peers
      .createQueryBuilder('peer')
      .innerJoin(Membership, 'm', 'm.peer_id = peer.id AND m.user_id = peer.user_id')
      .innerJoin('peer.user', 'user')
      .where('peer.userId = :userId AND peer.active AND user.active', { userId })
      .andWhere('m.logged_in AND NOT m.paused');
    if (pbx) qb.andWhere('peer.pbxId = :pbx', { pbx });
    const peer = await qb.orderBy('m.updated_at', 'DESC').getOne();
    return peer ? toPeer(peer) : null;
  }

  /** The active group answering a DID (any format: `+7 495 123-45-67`), or null. */
  async queueForDid(did: string, pbxId?: string): Promise<DirectoryQueueTarget | null> {
    const number = normaliseDid(did);
    if (!number) return null;
    const pbx = await this.pbxIdOf(pbxId);
    if (pbx === null) return null;
    const qb = this.numbers
      .createQueryBuilder('n')
      .innerJoinAndSelect('n.group', 'g')
      .where('n.number = :number AND g.active', { number });
    if (pbx) qb.andWhere('n.pbxId = :pbx', { pbx });
    const row = await qb.orderBy('g.createdAt', 'ASC').getOne();
    if (!row?.group) return null;
    const g = row.group;
    return {
      groupId: g.id,
      groupName: g.name,
      pbxId: g.pbxId,
      queue: g.queue,
      did: number,
      profileUrlTemplate: g.profileUrlTemplate,
      popupSettings: g.popupSettings,
    };
  }

  async groupsOfUser(userId: string): Promise<DirectoryUserGroup[]> {
    if (!UUID.test(userId)) return [];
    const rows = await this.memberships.find({
      where: { userId },
      relations: { group: true },
      order: { createdAt: 'ASC' },
    });
    return rows.map((m) => ({
      groupId: m.groupId,
      name: m.group!.name,
      pbxId: m.group!.pbxId,
      queue: m.group!.queue,
      active: m.group!.active,
      role: m.role,
      loggedIn: m.loggedIn,
      paused: m.paused,
      pausedReason: m.pausedReason,
    }));
  }

  /** The active supervisors of the groups the user belongs to (not the user themselves). */
  async supervisorsOfUser(userId: string): Promise<DirectorySupervisor[]> {
    if (!UUID.test(userId)) return [];
    const rows = await this.memberships
      .createQueryBuilder('s')
      .innerJoinAndSelect('s.user', 'user')
      .where("s.role = 'supervisor' AND user.active AND s.userId <> :userId", { userId })
      .andWhere(
        's.groupId IN (SELECT mine.group_id FROM directory_memberships mine WHERE mine.user_id = :userId)',
      )
      .orderBy('user.displayName', 'ASC')
      .getMany();
    const byUser = new Map<string, DirectorySupervisor>();
    for (const s of rows) {
      const entry = byUser.get(s.userId) ?? {
        userId: s.userId,
        displayName: s.user!.displayName,
        groupIds: [],
      };
      entry.groupIds.push(s.groupId);
      byUser.set(s.userId, entry);
    }
    return [...byUser.values()];
  }

  /** undefined: any PBX; null: a PBX that does not exist (nothing can match). */
  private async pbxIdOf(idOrName?: string): Promise<string | undefined | null> {
    if (!idOrName) return undefined;
    if (UUID.test(idOrName)) return idOrName;
    return this.pbxes.resolve(idOrName).then(
      (p) => p.id,
      () => null,
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { AppError } from '../../common/errors/app-error.js';
import { UUID_PATTERN as UUID } from '../../common/uuid.js';
import type { Principal } from '../auth/principal.js';
import { PbxService } from '../pbx/pbx.service.js';
import { DirectoryChanges } from './directory-changes.js';
import { normaliseDid } from './did.util.js';
import { GroupNumber } from './groups/group-number.entity.js';
import { Group, type PopupSettings } from './groups/group.entity.js';
import { type MemberRole, Membership } from './members/membership.entity.js';
import { MembershipsService } from './members/memberships.service.js';
import type { PbxExtension } from '../../common/pbx-extension.js';
import { EXTENSION_OWNER_TTL_MS, ExtensionOwners } from './peers/extension-owners.js';
import { Peer } from './peers/peer.entity.js';
import { pgPool } from '../../database/pg-pool.js';

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

/** Who a supervisor oversees: the queues of the groups they supervise and those groups' members. */
export interface DirectorySupervisedScope {
  queues: { pbxId: string; queue: string }[];
  /** Members of those groups, whatever their role (the supervisor included). */
  userIds: string[];
}

/**
 * What "available" means, as one named prepared statement (it runs on most FastAGI requests: the
 * query builder cost more CPU than the whole contact lookup): an active peer of an active user, a
 * membership logged in with that peer and not paused; the most recently changed membership first.
 */
const AVAILABLE_PEER = {
  name: 'directory-available-peer',
  text: `SELECT p.id, p.pbx_id, p.user_id, p.extension, p.dial_interface, p.state_interface, p.trunk,
  p.caller_id, p.auto_answer_header
FROM directory_peers p
JOIN directory_memberships m ON m.peer_id = p.id AND m.user_id = p.user_id
JOIN users u ON u.id = p.user_id
WHERE p.user_id = $1 AND p.active AND u.active AND m.logged_in AND NOT m.paused
  AND ($2::uuid IS NULL OR p.pbx_id = $2::uuid)
ORDER BY m.updated_at DESC
LIMIT 1`,
};

interface PeerRow {
  id: string;
  pbx_id: string;
  user_id: string;
  extension: string;
  dial_interface: string;
  state_interface: string | null;
  trunk: string | null;
  caller_id: string | null;
  auto_answer_header: string | null;
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
 * The directory as other modules read it (AGI routing, the operator gateway, click-to-call, the
 * calls module's agent users and supervision; directory-ports.binding.ts binds their ports here).
 * `pbxId` arguments take a PBX id or name; absent, every PBX is searched.
 */
@Injectable()
export class DirectoryService {
  private readonly owners: ExtensionOwners;

  constructor(
    @InjectRepository(Peer) private readonly peers: Repository<Peer>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectRepository(GroupNumber) private readonly numbers: Repository<GroupNumber>,
    @InjectRepository(Group) private readonly groups: Repository<Group>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly pbxes: PbxService,
    private readonly membershipsService: MembershipsService,
    changes: DirectoryChanges,
  ) {
    this.owners = new ExtensionOwners(
      db,
      () => changes.cacheTtlMs(EXTENSION_OWNER_TTL_MS),
      () => changes.cacheTtlMs(0),
    );
    changes.onChange((users) => this.owners.forget(users));
  }

  /**
   * A phone the user can take a call on now: an active peer they are logged in with, not paused,
   * in some group of that PBX. Null when there is none (logged off, paused everywhere, deactivated).
   */
  async availablePeerForUser(userId: string, pbxId?: string): Promise<DirectoryPeer | null> {
    if (!UUID.test(userId)) return null;
    // a PBX id (what FastAGI's locator gives) costs no lookup; a name is resolved first
    const pbx = await this.pbxIdOf(pbxId);
    if (pbx === null) return null;
    const pool = pgPool(this.db);
    const { rows } = await pool.query<PeerRow>({ ...AVAILABLE_PEER, values: [userId, pbx ?? null] });
    const r = rows[0];
    return r
      ? {
          id: r.id,
          pbxId: r.pbx_id,
          userId: r.user_id,
          extension: r.extension,
          dialInterface: r.dial_interface,
          stateInterface: r.state_interface,
          trunk: r.trunk,
          callerId: r.caller_id,
          autoAnswerHeader: r.auto_answer_header,
        }
      : null;
  }

  /**
   * The phone the user uses: the available one (availablePeerForUser), else, paused or logged
   * off, their first active peer (still their phone for click-to-call). Null when they have none.
   */
  async peerOfUser(userId: string, pbxId?: string): Promise<DirectoryPeer | null> {
    if (!UUID.test(userId)) return null;
    const available = await this.availablePeerForUser(userId, pbxId);
    if (available) return available;
    const pbx = await this.pbxIdOf(pbxId);
    if (pbx === null) return null;
    const peer = await this.peers.findOne({
      where: { userId, active: true, ...(pbx ? { pbxId: pbx } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return peer ? toPeer(peer) : null;
  }

  /**
   * The users owning each (PBX id, extension) in one query, keys `${pbxId}\n${extension}`
   * (extensionKey); unknown ones are absent. Answers are reused for a few seconds (ExtensionOwners).
   */
  usersByExtension(keys: readonly PbxExtension[]): Promise<Map<string, string>> {
    return this.owners.usersByExtension(keys);
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

  /** The queues of the groups the user supervises, and those groups' members; one query. */
  async groupsSupervisedBy(userId: string): Promise<DirectorySupervisedScope> {
    if (!UUID.test(userId)) return { queues: [], userIds: [] };
    const rows = (await this.db.query(
      `SELECT g.pbx_id AS "pbxId", g.queue,
              ARRAY(SELECT m.user_id FROM directory_memberships m WHERE m.group_id = g.id) AS "userIds"
       FROM directory_memberships s
       JOIN directory_groups g ON g.id = s.group_id
       WHERE s.user_id = $1 AND s.role = 'supervisor'
       ORDER BY g.created_at, g.id`,
      [userId],
    )) as { pbxId: string; queue: string; userIds: string[] }[];
    return {
      queues: rows.map((r) => ({ pbxId: r.pbxId, queue: r.queue })),
      userIds: [...new Set(rows.flatMap((r) => r.userIds))],
    };
  }

  /** The group answering a queue of a PBX (active or not), or null. */
  async groupOfQueue(pbxId: string, queue: string): Promise<{ groupId: string; name: string } | null> {
    const pbx = await this.pbxIdOf(pbxId);
    if (!pbx) return null;
    const g = await this.groups.findOne({ where: { pbxId: pbx, queue }, select: { id: true, name: true } });
    return g ? { groupId: g.id, name: g.name } : null;
  }

  /**
   * Pauses (with the reason) or unpauses the user in every group they are logged in to, each
   * through MembershipsService.agent, so the directory, Asterisk (QueuePause) and the audit log
   * agree, with `actor`'s rights. CONFLICT when they are logged in nowhere.
   */
  async setPausedEverywhere(
    actor: Principal,
    userId: string,
    paused: boolean,
    reason: string | undefined,
  ): Promise<void> {
    const groups = (await this.groupsOfUser(userId)).filter((g) => g.loggedIn);
    if (groups.length === 0) {
      throw AppError.conflict('You are not logged in to any group: log in before pausing');
    }
    for (const g of groups) {
      await this.membershipsService.agent(
        actor,
        g.groupId,
        userId,
        paused ? 'pause' : 'unpause',
        paused ? { reason } : {},
      );
    }
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

import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import type { Principal } from '../../auth/principal.js';
import type { User } from '../../users/user.entity.js';
import { UsersService } from '../../users/users.service.js';
import { AuditService } from '../audit/audit.service.js';
import { interfaceKey } from '../did.util.js';
import { DirectoryAccess } from '../directory-access.service.js';
import type { Group } from '../groups/group.entity.js';
import { GroupsService } from '../groups/groups.service.js';
import type { LiveQueueMember } from '../live/live-agent-state.port.js';
import { LiveStateLocator } from '../live/live-state.locator.js';
import { Peer } from '../peers/peer.entity.js';
import type { AsteriskOutcome } from '../sync/asterisk-outcome.js';
import { QueueSyncService } from '../sync/queue-sync.service.js';
import { violatedUnique } from '../unique-violation.js';
import {
  type AddMemberDto,
  type LoginDto,
  MemberChangeResponseDto,
  type MemberQueryDto,
  type MemberRemovedResponseDto,
  MemberResponseDto,
  type PauseDto,
  type UpdateMemberDto,
} from './membership.dto.js';
import { type MemberRole, Membership } from './membership.entity.js';

/** What the audit log keeps of a membership. */
function snapshot(m: Membership) {
  return {
    userId: m.userId,
    role: m.role,
    penalty: m.penalty,
    loggedIn: m.loggedIn,
    paused: m.paused,
    pausedReason: m.pausedReason,
    peerId: m.peerId,
  };
}

type AgentAction = 'login' | 'logoff' | 'pause' | 'unpause';

@Injectable()
export class MembershipsService {
  constructor(
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectRepository(Peer) private readonly peers: Repository<Peer>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly groups: GroupsService,
    private readonly users: UsersService,
    private readonly access: DirectoryAccess,
    private readonly audit: AuditService,
    private readonly sync: QueueSyncService,
    private readonly live: LiveStateLocator,
  ) {}

  async list(
    p: Principal,
    groupId: string,
    q: MemberQueryDto,
  ): Promise<{ items: MemberResponseDto[]; total: number }> {
    const group = await this.groups.get(p, groupId);
    const qb = this.memberships
      .createQueryBuilder('m')
      .innerJoinAndSelect('m.user', 'user')
      .leftJoinAndSelect('m.peer', 'peer')
      .where('m.groupId = :groupId', { groupId: group.id });
    if (q.role) qb.andWhere('m.role = :role', { role: q.role });
    if (q.loggedIn !== undefined) qb.andWhere('m.loggedIn = :loggedIn', { loggedIn: q.loggedIn });
    if (q.paused !== undefined) qb.andWhere('m.paused = :paused', { paused: q.paused });
    if (q.syncState) qb.andWhere('m.syncState = :syncState', { syncState: q.syncState });
    const [rows, total] = await qb
      .orderBy('user.displayName', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
    const live = this.liveOf(group);
    return { items: rows.map((m) => this.view(m, live)), total };
  }

  async get(p: Principal, groupId: string, userId: string): Promise<MemberResponseDto> {
    const group = await this.groups.get(p, groupId);
    return this.view(await this.load(group, userId), this.liveOf(group));
  }

  async add(p: Principal, groupId: string, dto: AddMemberDto): Promise<MemberResponseDto> {
    const group = await this.groups.find(groupId);
    await this.access.assertManages(p, group.id);
    const user = await this.users.findByIdOrExternalRef(dto.userId);
    if (!user) throw AppError.notFound('User', dto.userId);
    const role = dto.role ?? 'member';
    this.assertRoleFits(user, role);
    return this.sync.exclusive(group.id, async () => {
      if (await this.memberships.existsBy({ groupId: group.id, userId: user.id })) {
        throw AppError.conflict(`${user.displayName} is already a member of group ${group.name}`);
      }
      let id: string;
      try {
        id = await this.db.transaction(async (m) => {
          const saved = await m.save(
            m.create(Membership, { groupId: group.id, userId: user.id, role, penalty: dto.penalty ?? 0 }),
          );
          await this.audit.record(m, p, {
            action: 'member.add',
            entityType: 'membership',
            entityId: saved.id,
            groupId: group.id,
            after: snapshot(saved),
          });
          return saved.id;
        });
      } catch (e) {
        if (violatedUnique(e))
          throw AppError.conflict(`${user.displayName} is already a member of group ${group.name}`);
        throw e;
      }
      return this.view(await this.load(group, user.id, id));
    });
  }

  /** Role and penalty; a new penalty goes to Asterisk (QueuePenalty) when the member is logged in. */
  async update(
    p: Principal,
    groupId: string,
    userId: string,
    dto: UpdateMemberDto,
  ): Promise<MemberChangeResponseDto> {
    const group = await this.groups.find(groupId);
    await this.access.assertManages(p, group.id);
    return this.sync.exclusive(group.id, async () => {
      const m = await this.load(group, userId);
      if (dto.role !== undefined) this.assertRoleFits(m.user!, dto.role);
      const before = snapshot(m);
      const penaltyChanged = dto.penalty !== undefined && dto.penalty !== m.penalty;
      if (dto.role !== undefined) m.role = dto.role;
      if (dto.penalty !== undefined) m.penalty = dto.penalty;
      const toAsterisk = penaltyChanged && m.loggedIn && m.peer;
      if (toAsterisk) m.syncState = 'pending';
      await this.save(p, group, m, 'member.update', before);
      const asterisk = toAsterisk ? await this.sync.penalty(group, this.target(m)) : null;
      return this.changed(group, userId, asterisk);
    });
  }

  /** A member logged in is first removed from the queue (now, or when the PBX is back). */
  async remove(p: Principal, groupId: string, userId: string): Promise<MemberRemovedResponseDto> {
    const group = await this.groups.find(groupId);
    await this.access.assertManages(p, group.id);
    return this.sync.exclusive(group.id, async () => {
      const m = await this.load(group, userId);
      const asterisk =
        m.loggedIn && m.peer
          ? await this.sync.removeInterface(group.pbxId, group.queue, m.peer.dialInterface)
          : null;
      await this.db.transaction(async (tx) => {
        await tx.delete(Membership, { id: m.id });
        await this.audit.record(tx, p, {
          action: 'member.remove',
          entityType: 'membership',
          entityId: m.id,
          groupId: group.id,
          before: snapshot(m),
        });
      });
      return { id: m.id, groupId: group.id, userId: m.userId, removed: true, asterisk };
    });
  }

  /** Agent state: QueueAdd / QueueRemove / QueuePause, answered with what Asterisk made of it. */
  async agent(
    p: Principal,
    groupId: string,
    userId: string,
    action: AgentAction,
    dto: LoginDto | PauseDto = {},
  ): Promise<MemberChangeResponseDto> {
    const group = await this.groups.find(groupId);
    await this.access.assertActsOn(p, group.id, userId);
    return this.sync.exclusive(group.id, async () => {
      const m = await this.load(group, userId);
      switch (action) {
        case 'login':
          return this.login(p, group, m, dto as LoginDto);
        case 'logoff':
          return this.logoff(p, group, m);
        case 'pause':
        case 'unpause':
          return this.pause(p, group, m, action === 'pause', (dto as PauseDto).reason);
      }
    });
  }

  private async login(
    p: Principal,
    group: Group,
    m: Membership,
    dto: LoginDto,
  ): Promise<MemberChangeResponseDto> {
    if (!m.user!.active) throw AppError.conflict(`User ${m.user!.displayName} is deactivated`);
    const peer = await this.choosePeer(group, m, dto.peerId);
    if (m.loggedIn && m.peer && m.peer.id !== peer.id) {
      throw AppError.conflict(
        `Already logged in with ${m.peer.extension} (${m.peer.dialInterface}): log off first`,
      );
    }
    const before = snapshot(m);
    const paused = dto.paused ?? (dto.reason !== undefined ? true : m.loggedIn ? m.paused : false);
    m.paused = paused;
    m.pausedReason = paused ? (dto.reason ?? (m.loggedIn ? m.pausedReason : null)) : null;
    m.loggedIn = true;
    m.peerId = peer.id;
    m.peer = peer;
    m.syncState = 'pending';
    await this.save(p, group, m, 'member.login', before);
    return this.changed(group, m.userId, await this.sync.login(group, this.target(m)));
  }

  private async logoff(p: Principal, group: Group, m: Membership): Promise<MemberChangeResponseDto> {
    if (!m.loggedIn && m.syncState === 'synced') return this.changed(group, m.userId, null); // nothing to do
    const before = snapshot(m);
    m.loggedIn = false;
    m.paused = false;
    m.pausedReason = null;
    m.syncState = 'pending';
    if (before.loggedIn) await this.save(p, group, m, 'member.logoff', before);
    else await this.memberships.update({ id: m.id }, { syncState: 'pending' }); // an earlier logoff still owed
    const asterisk = m.peer ? await this.sync.logoff(group, this.target(m)) : null;
    if (!m.peer) await this.memberships.update({ id: m.id }, { syncState: 'synced', lastSyncError: null });
    return this.changed(group, m.userId, asterisk);
  }

  private async pause(
    p: Principal,
    group: Group,
    m: Membership,
    paused: boolean,
    reason: string | undefined,
  ): Promise<MemberChangeResponseDto> {
    if (!m.loggedIn || !m.peer) {
      throw AppError.conflict(`${m.user!.displayName} is not logged in to group ${group.name}: log in first`);
    }
    const before = snapshot(m);
    m.paused = paused;
    m.pausedReason = paused ? (reason ?? null) : null;
    m.syncState = 'pending';
    await this.save(p, group, m, paused ? 'member.pause' : 'member.unpause', before);
    return this.changed(group, m.userId, await this.sync.pause(group, this.target(m)));
  }

  /** The phone to log in with: the one named, else the last one used, else the user's only active one on the PBX. */
  private async choosePeer(group: Group, m: Membership, peerId?: string): Promise<Peer> {
    if (peerId) {
      const peer = await this.peers.findOneBy({ id: peerId });
      const wrong = (message: string) =>
        new AppError(ErrorCode.VALIDATION_FAILED, `Invalid request: peerId`, [{ field: 'peerId', message }]);
      if (!peer || peer.userId !== m.userId) throw wrong(`peer ${peerId} is not a phone of this user`);
      if (peer.pbxId !== group.pbxId)
        throw wrong(`peer ${peer.extension} is on another PBX than group ${group.name}`);
      if (!peer.active) throw AppError.conflict(`Peer ${peer.extension} is inactive`);
      return peer;
    }
    if (m.peer && m.peer.active && m.peer.pbxId === group.pbxId) return m.peer;
    const candidates = await this.peers.find({
      where: { userId: m.userId, pbxId: group.pbxId, active: true },
      order: { createdAt: 'ASC' },
    });
    if (candidates.length === 0) {
      throw AppError.conflict(
        `${m.user!.displayName} has no active phone (peer) on the PBX of group ${group.name}`,
      );
    }
    if (candidates.length > 1) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: peerId', [
        {
          field: 'peerId',
          message: `the user has ${candidates.length} phones on this PBX (${candidates.map((c) => c.extension).join(', ')}): name one`,
        },
      ]);
    }
    return candidates[0];
  }

  private assertRoleFits(user: User, role: MemberRole): void {
    if (role === 'supervisor' && user.role === 'operator') {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: role', [
        {
          field: 'role',
          message: `${user.displayName} is an operator: only supervisors and admins may supervise a group`,
        },
      ]);
    }
  }

  private async save(
    p: Principal,
    group: Group,
    m: Membership,
    action: string,
    before: ReturnType<typeof snapshot>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.update(
        Membership,
        { id: m.id },
        {
          role: m.role,
          penalty: m.penalty,
          loggedIn: m.loggedIn,
          paused: m.paused,
          pausedReason: m.pausedReason,
          peerId: m.peerId,
          syncState: m.syncState,
        },
      );
      await this.audit.record(tx, p, {
        action,
        entityType: 'membership',
        entityId: m.id,
        groupId: group.id,
        before,
        after: snapshot(m),
      });
    });
  }

  private async load(group: Group, userId: string, id?: string): Promise<Membership> {
    const m = await this.memberships.findOne({
      where: id ? { id } : { groupId: group.id, userId },
      relations: { user: true, peer: true },
    });
    if (!m) throw AppError.notFound(`Member of group ${group.name}:`, userId);
    return m;
  }

  private async changed(
    group: Group,
    userId: string,
    asterisk: AsteriskOutcome | null,
  ): Promise<MemberChangeResponseDto> {
    const m = await this.load(group, userId);
    return { ...this.view(m, this.liveOf(group)), asterisk };
  }

  private target(m: Membership) {
    return { membership: m, peer: m.peer!, displayName: m.user!.displayName };
  }

  private liveOf(group: Group): Map<string, LiveQueueMember> | undefined {
    const live = this.live.get();
    if (!live) return undefined;
    return new Map(live.queueMembers(group.pbxId, group.queue).map((l) => [interfaceKey(l.interface), l]));
  }

  private view(m: Membership, live?: Map<string, LiveQueueMember>): MemberResponseDto {
    const peer = m.peer ?? null;
    return MemberResponseDto.from(
      m,
      m.user!.displayName,
      peer,
      peer ? live?.get(interfaceKey(peer.dialInterface)) : undefined,
    );
  }
}

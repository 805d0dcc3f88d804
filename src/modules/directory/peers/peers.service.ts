import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import type { Principal } from '../../auth/principal.js';
import { PbxService } from '../../pbx/pbx.service.js';
import { UsersService } from '../../users/users.service.js';
import { AuditService } from '../audit/audit.service.js';
import { DirectoryAccess } from '../directory-access.service.js';
import { definedOnly } from '../directory-validation.js';
import { Membership } from '../members/membership.entity.js';
import { violatedUnique } from '../unique-violation.js';
import { type CreatePeerDto, type PeerQueryDto, PeerResponseDto, type UpdatePeerDto } from './peer.dto.js';
import { Peer } from './peer.entity.js';
import { UUID_PATTERN as UUID } from '../../../common/uuid.js';

@Injectable()
export class PeersService {
  constructor(
    @InjectRepository(Peer) private readonly peers: Repository<Peer>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly pbxes: PbxService,
    private readonly users: UsersService,
    private readonly access: DirectoryAccess,
    private readonly audit: AuditService,
  ) {}

  /**
   * Admins see every peer; a supervisor sees their own and those of the members of the groups
   * they supervise; an operator sees their own.
   */
  async list(p: Principal, q: PeerQueryDto): Promise<{ items: Peer[]; total: number }> {
    const qb = this.peers.createQueryBuilder('peer');
    if (!this.access.isAdmin(p)) {
      const me = this.access.userOf(p);
      if (!me) return { items: [], total: 0 };
      const supervised = (await this.access.supervisedGroupIds(p)) ?? [];
      qb.andWhere(
        new Brackets((w) => {
          w.where('peer.userId = :me', { me });
          if (supervised.length > 0) {
            w.orWhere(
              'peer.userId IN (SELECT m.user_id FROM directory_memberships m WHERE m.group_id = ANY(:supervised))',
              { supervised },
            );
          }
        }),
      );
    }
    if (q.userId) qb.andWhere('peer.userId = :userId', { userId: q.userId });
    if (q.pbxId) qb.andWhere('peer.pbxId = :pbxId', { pbxId: (await this.pbxes.resolve(q.pbxId)).id });
    if (q.extension) qb.andWhere('peer.extension = :extension', { extension: q.extension });
    if (q.active !== undefined) qb.andWhere('peer.active = :active', { active: q.active });
    const [items, total] = await qb
      .orderBy('peer.createdAt', 'ASC')
      .addOrderBy('peer.id', 'ASC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }

  async get(p: Principal, id: string): Promise<Peer> {
    const peer = await this.find(id);
    if (this.access.isAdmin(p) || peer.userId === this.access.userOf(p)) return peer;
    const supervised = (await this.access.supervisedGroupIds(p)) ?? [];
    if (
      supervised.length > 0 &&
      (await this.memberships
        .createQueryBuilder('m')
        .where('m.userId = :userId AND m.groupId = ANY(:supervised)', { userId: peer.userId, supervised })
        .getExists())
    ) {
      return peer;
    }
    throw new AppError(ErrorCode.FORBIDDEN, `You may not read peer ${id}`);
  }

  async create(p: Principal, dto: CreatePeerDto): Promise<Peer> {
    this.access.assertAdmin(p, 'create peers');
    const user = await this.users.findByIdOrExternalRef(dto.userId);
    if (!user) throw AppError.notFound('User', dto.userId);
    const pbx = await this.pbxes.resolve(dto.pbxId);
    await this.assertInterfaceFree(pbx.id, dto.dialInterface);
    return this.write(pbx.name, dto, async (m) => {
      // OFBiz autoFillExtensionAndTrunk: click-to-call works without naming a trunk or caller ID
      const peer = await m.save(
        m.create(Peer, {
          pbxId: pbx.id,
          userId: user.id,
          extension: dto.extension,
          dialInterface: dto.dialInterface,
          stateInterface: dto.stateInterface ?? null,
          trunk: dto.trunk ?? pbx.defaultTrunk ?? null,
          callerId: dto.callerId ?? dto.extension,
          autoAnswerHeader: dto.autoAnswerHeader ?? null,
          active: dto.active ?? true,
        }),
      );
      await this.audit.record(m, p, {
        action: 'peer.create',
        entityType: 'peer',
        entityId: peer.id,
        after: PeerResponseDto.from(peer),
      });
      return peer;
    });
  }

  async update(p: Principal, id: string, dto: UpdatePeerDto): Promise<Peer> {
    this.access.assertAdmin(p, 'change peers');
    const peer = await this.find(id);
    const before = PeerResponseDto.from(peer);
    const moves =
      (dto.dialInterface !== undefined && dto.dialInterface !== peer.dialInterface) ||
      (dto.stateInterface !== undefined && dto.stateInterface !== peer.stateInterface) ||
      dto.active === false;
    if (moves) await this.assertNotInUse(peer, 'changing its interfaces or deactivating it');
    if (dto.dialInterface !== undefined)
      await this.assertInterfaceFree(peer.pbxId, dto.dialInterface, peer.id);
    const pbxName = (await this.pbxes.get(peer.pbxId)).name;
    return this.write(
      pbxName,
      { extension: dto.extension ?? peer.extension, dialInterface: dto.dialInterface },
      async (m) => {
        Object.assign(peer, definedOnly(dto));
        const saved = await m.save(peer);
        await this.audit.record(m, p, {
          action: 'peer.update',
          entityType: 'peer',
          entityId: peer.id,
          before,
          after: PeerResponseDto.from(saved),
        });
        return saved;
      },
    );
  }

  async remove(p: Principal, id: string): Promise<void> {
    this.access.assertAdmin(p, 'delete peers');
    const peer = await this.find(id);
    await this.assertNotInUse(peer, 'deleting it');
    await this.db.transaction(async (m) => {
      await m.delete(Peer, { id });
      await this.audit.record(m, p, {
        action: 'peer.delete',
        entityType: 'peer',
        entityId: id,
        before: PeerResponseDto.from(peer),
      });
    });
  }

  private async find(id: string): Promise<Peer> {
    const peer = UUID.test(id) ? await this.peers.findOneBy({ id }) : null;
    if (!peer) throw AppError.notFound('Peer', id);
    return peer;
  }

  /** A peer some member is logged in with is what Asterisk's queue rings: it cannot move under it. */
  private async assertNotInUse(peer: Peer, doing: string): Promise<void> {
    const inUse = await this.memberships.count({ where: { peerId: peer.id, loggedIn: true } });
    if (inUse > 0) {
      throw AppError.conflict(
        `Peer ${peer.extension} is logged in to ${inUse} group(s): log it off before ${doing}`,
      );
    }
  }

  /** Asterisk matches member interfaces without regard to case; so does this check. */
  private async assertInterfaceFree(pbxId: string, dialInterface: string, exceptId?: string): Promise<void> {
    const qb = this.peers
      .createQueryBuilder('peer')
      .where('peer.pbxId = :pbxId AND LOWER(peer.dialInterface) = LOWER(:dialInterface)', {
        pbxId,
        dialInterface,
      });
    if (exceptId) qb.andWhere('peer.id <> :exceptId', { exceptId });
    const other = await qb.getOne();
    if (other) {
      throw AppError.conflict(
        `Dial interface ${dialInterface} already belongs to peer ${other.extension} on this PBX`,
      );
    }
  }

  private async write(
    pbxName: string,
    dto: { extension: string; dialInterface?: string },
    work: (m: EntityManager) => Promise<Peer>,
  ): Promise<Peer> {
    try {
      return await this.db.transaction(work);
    } catch (e) {
      const index = violatedUnique(e);
      if (index === 'uq_directory_peers_extension') {
        throw AppError.conflict(`Extension ${dto.extension} already exists on PBX ${pbxName}`);
      }
      if (index === 'uq_directory_peers_dial_interface') {
        throw AppError.conflict(`Dial interface ${dto.dialInterface ?? ''} already exists on PBX ${pbxName}`);
      }
      throw e;
    }
  }
}

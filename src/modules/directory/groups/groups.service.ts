import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In, IsNull, Not, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../../common/errors/app-error.js';
import type { Principal } from '../../auth/principal.js';
import { PbxService } from '../../pbx/pbx.service.js';
import { AuditService } from '../audit/audit.service.js';
import { normaliseDid } from '../did.util.js';
import { DirectoryAccess } from '../directory-access.service.js';
import { definedOnly } from '../directory-validation.js';
import { Membership } from '../members/membership.entity.js';
import type { DriftReportDto } from '../sync/drift-report.dto.js';
import { QueueSyncService } from '../sync/queue-sync.service.js';
import { violatedUnique } from '../unique-violation.js';
import {
  type CreateGroupDto,
  type GroupQueryDto,
  GroupResponseDto,
  SUPERVISOR_GROUP_FIELDS,
  type UpdateGroupDto,
} from './group.dto.js';
import { GroupNumber } from './group-number.entity.js';
import { Group } from './group.entity.js';
import { UUID_PATTERN as UUID } from '../../../common/uuid.js';

@Injectable()
export class GroupsService {
  constructor(
    @InjectRepository(Group) private readonly groups: Repository<Group>,
    @InjectRepository(GroupNumber) private readonly numbers: Repository<GroupNumber>,
    @InjectRepository(Membership) private readonly memberships: Repository<Membership>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly pbxes: PbxService,
    private readonly access: DirectoryAccess,
    private readonly audit: AuditService,
    private readonly sync: QueueSyncService,
  ) {}

  /** Admins see every group; everyone else the groups they belong to. */
  async list(p: Principal, q: GroupQueryDto): Promise<{ items: Group[]; total: number }> {
    const qb = this.groups.createQueryBuilder('g');
    const readable = await this.access.readableGroupIds(p);
    if (readable) qb.andWhere('g.id = ANY(:readable)', { readable });
    if (q.pbxId) qb.andWhere('g.pbxId = :pbxId', { pbxId: (await this.pbxes.resolve(q.pbxId)).id });
    if (q.queue) qb.andWhere('g.queue = :queue', { queue: q.queue });
    if (q.number) {
      qb.andWhere('g.id IN (SELECT n.group_id FROM directory_group_numbers n WHERE n.number = :number)', {
        number: normaliseDid(q.number),
      });
    }
    if (q.name) qb.andWhere('g.name ILIKE :name', { name: `%${q.name.replace(/[\\%_]/g, '\\$&')}%` });
    if (q.active !== undefined) qb.andWhere('g.active = :active', { active: q.active });
    const [items, total] = await qb
      .orderBy('g.createdAt', 'ASC')
      .addOrderBy('g.id', 'ASC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
    await this.attachNumbers(items);
    return { items, total };
  }

  async get(p: Principal, id: string): Promise<Group> {
    const group = await this.find(id);
    await this.access.assertReads(p, group.id);
    return group;
  }

  /** The group with its numbers; 404 when unknown. No access check. */
  async find(id: string): Promise<Group> {
    const group = UUID.test(id) ? await this.groups.findOneBy({ id }) : null;
    if (!group) throw AppError.notFound('Group', id);
    await this.attachNumbers([group]);
    return group;
  }

  async create(p: Principal, dto: CreateGroupDto): Promise<Group> {
    this.access.assertAdmin(p, 'create groups');
    const pbx = await this.pbxes.resolve(dto.pbxId);
    const numbers = this.normaliseNumbers(dto.numbers ?? []);
    await this.assertQueueFree(pbx.id, dto.queue);
    await this.assertNumbersFree(pbx.id, numbers);
    const id = await this.write(pbx.name, dto.queue, async (m) => {
      const group = await m.save(
        m.create(Group, {
          name: dto.name,
          pbxId: pbx.id,
          queue: dto.queue,
          profileUrlTemplate: dto.profileUrlTemplate ?? null,
          popupSettings: dto.popupSettings ?? {},
          active: dto.active ?? true,
        }),
      );
      await this.replaceNumbers(m, group, numbers);
      await this.audit.record(m, p, {
        action: 'group.create',
        entityType: 'group',
        entityId: group.id,
        groupId: group.id,
        after: GroupResponseDto.from(group),
      });
      return group.id;
    });
    return this.find(id);
  }

  async update(p: Principal, id: string, dto: UpdateGroupDto): Promise<Group> {
    const group = await this.find(id);
    const changes = definedOnly(dto);
    if (!this.access.isAdmin(p)) {
      await this.access.assertManages(p, group.id);
      const adminOnly = Object.keys(changes).filter(
        (k) => !SUPERVISOR_GROUP_FIELDS.includes(k as keyof UpdateGroupDto),
      );
      if (adminOnly.length > 0) {
        throw new AppError(
          ErrorCode.FORBIDDEN,
          `Only admins may change ${adminOnly.join(', ')}`,
          adminOnly.map((field) => ({ field, message: 'admins only' })),
        );
      }
    }
    return this.sync.exclusive(group.id, async () => {
      const before = GroupResponseDto.from(group);
      const { numbers: rawNumbers, ...fields } = changes;
      if (fields.queue !== undefined && fields.queue !== group.queue) {
        const loggedIn = await this.memberships.countBy({ groupId: group.id, loggedIn: true });
        if (loggedIn > 0) {
          throw AppError.conflict(
            `${loggedIn} member(s) of group ${group.name} are logged in to queue ${group.queue}: log them off first`,
          );
        }
        await this.assertQueueFree(group.pbxId, fields.queue, group.id);
      }
      const numbers = rawNumbers ? this.normaliseNumbers(rawNumbers) : undefined;
      if (numbers) await this.assertNumbersFree(group.pbxId, numbers, group.id);
      const pbxName = (await this.pbxes.get(group.pbxId)).name;
      await this.write(pbxName, fields.queue ?? group.queue, async (m) => {
        Object.assign(group, fields);
        delete group.numbers;
        await m.save(group);
        if (numbers) await this.replaceNumbers(m, group, numbers);
        await this.attachNumbers([group], m);
        await this.audit.record(m, p, {
          action: 'group.update',
          entityType: 'group',
          entityId: group.id,
          groupId: group.id,
          before,
          after: GroupResponseDto.from(group),
        });
        return group.id;
      });
      if (fields.queue !== undefined) this.sync.forget(group.id);
      return this.find(group.id);
    });
  }

  /** Members still logged in are removed from the queue (now, or when the PBX is back). */
  async remove(p: Principal, id: string): Promise<void> {
    this.access.assertAdmin(p, 'delete groups');
    const group = await this.find(id);
    await this.sync.exclusive(group.id, async () => {
      const loggedIn = await this.memberships.find({
        where: { groupId: group.id, loggedIn: true, peerId: Not(IsNull()) },
        relations: { peer: true },
      });
      const interfaces = loggedIn.flatMap((m) => (m.peer ? [m.peer.dialInterface] : []));
      await this.db.transaction(async (m) => {
        await this.sync.oweRemovals(m, group.pbxId, group.queue, interfaces);
        await m.delete(Group, { id: group.id });
        await this.audit.record(m, p, {
          action: 'group.delete',
          entityType: 'group',
          entityId: group.id,
          groupId: group.id,
          before: { ...GroupResponseDto.from(group), loggedInInterfaces: interfaces },
        });
      });
    });
    this.sync.forget(group.id);
    this.sync.sendOwedRemovalsSoon(group.pbxId);
  }

  async drift(p: Principal, id: string): Promise<DriftReportDto> {
    const group = await this.find(id);
    await this.access.assertManages(p, group.id);
    return this.sync.report(group);
  }

  async reconcile(p: Principal, id: string): Promise<DriftReportDto> {
    const group = await this.find(id);
    await this.access.assertManages(p, group.id);
    return (await this.sync.reconcileGroup(group.id, 'manual')) ?? this.sync.report(group);
  }

  private normaliseNumbers(raw: readonly string[]): string[] {
    // the DTO validated every entry, so each normalises
    return [...new Set(raw.map((n) => normaliseDid(n)!))].sort();
  }

  private async assertQueueFree(pbxId: string, queue: string, exceptId?: string): Promise<void> {
    const other = await this.groups.findOneBy({ pbxId, queue, ...(exceptId ? { id: Not(exceptId) } : {}) });
    if (other) throw AppError.conflict(`Queue ${queue} already belongs to group ${other.name} on this PBX`);
  }

  private async assertNumbersFree(
    pbxId: string,
    numbers: readonly string[],
    exceptGroupId?: string,
  ): Promise<void> {
    if (numbers.length === 0) return;
    const taken = await this.numbers.find({
      where: { pbxId, number: In(numbers), ...(exceptGroupId ? { groupId: Not(exceptGroupId) } : {}) },
      relations: { group: true },
    });
    if (taken.length > 0) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `Number(s) ${taken.map((t) => t.number).join(', ')} already answered by another group on this PBX`,
        taken.map((t) => ({
          field: 'numbers',
          message: `${t.number} belongs to group ${t.group?.name ?? t.groupId}`,
        })),
      );
    }
  }

  private async replaceNumbers(m: EntityManager, group: Group, numbers: readonly string[]): Promise<void> {
    await m.delete(GroupNumber, { groupId: group.id });
    if (numbers.length > 0) {
      await m.insert(
        GroupNumber,
        numbers.map((number) => ({ pbxId: group.pbxId, number, groupId: group.id })),
      );
    }
    group.numbers = numbers.map((number) =>
      Object.assign(new GroupNumber(), { pbxId: group.pbxId, number, groupId: group.id }),
    );
  }

  private async attachNumbers(groups: Group[], m?: EntityManager): Promise<void> {
    if (groups.length === 0) return;
    const repo = m ? m.getRepository(GroupNumber) : this.numbers;
    const rows = await repo.find({
      where: { groupId: In(groups.map((g) => g.id)) },
      order: { number: 'ASC' },
    });
    for (const g of groups) g.numbers = rows.filter((r) => r.groupId === g.id);
  }

  /** Runs a write; a unique index that still trips (a concurrent request) becomes a 409. */
  private async write<T>(pbxName: string, queue: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work);
    } catch (e) {
      const index = violatedUnique(e);
      if (index === 'uq_directory_groups_queue')
        throw AppError.conflict(`Queue ${queue} already has a group on PBX ${pbxName}`);
      if (index !== undefined)
        throw AppError.conflict(`A number of this group already belongs to another group on PBX ${pbxName}`);
      throw e;
    }
  }
}

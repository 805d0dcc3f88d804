import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, type EntityManager, type Repository } from 'typeorm';
import type { Principal } from '../../auth/principal.js';
import { announceDirectoryChange } from '../directory-changes.js';
import { AuditEntry } from './audit-entry.entity.js';
import type { AuditEntityType, AuditQueryDto } from './audit.dto.js';

export interface AuditChange {
  action: string;
  entityType: AuditEntityType;
  entityId: string;
  /** The group the change belongs to, so its supervisors can read it. */
  groupId?: string | null;
  before?: object | null;
  after?: object | null;
}

/**
 * The directory's audit log: written in the transaction of the change it records. Every audited
 * change is also announced to the instances' caches (DirectoryChanges), in the same transaction.
 */
@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  async record(m: EntityManager, p: Principal, change: AuditChange): Promise<void> {
    const entry: Partial<AuditEntry> = {
      actorKind: p.kind,
      actorId: p.kind === 'user' ? p.userId : p.keyId,
      actorRole: p.role,
      actorName: p.kind === 'user' ? p.displayName : null,
      action: change.action,
      entityType: change.entityType,
      entityId: change.entityId,
      groupId: change.groupId ?? null,
      before: (change.before as Record<string, unknown> | null | undefined) ?? null,
      after: (change.after as Record<string, unknown> | null | undefined) ?? null,
    };
    await m.save(m.create(AuditEntry, entry));
    await announceDirectoryChange(m, usersOf(change));
  }

  /** Newest first. `groupIds` limits the entries to those groups (supervisors); undefined: all. */
  async list(q: AuditQueryDto, groupIds?: string[]): Promise<{ items: AuditEntry[]; total: number }> {
    const qb = this.entries.createQueryBuilder('a');
    if (groupIds) qb.andWhere('a.groupId = ANY(:groupIds)', { groupIds });
    if (q.entityType) qb.andWhere('a.entityType = :entityType', { entityType: q.entityType });
    if (q.entityId) qb.andWhere('a.entityId = :entityId', { entityId: q.entityId });
    if (q.groupId) qb.andWhere('a.groupId = :groupId', { groupId: q.groupId });
    if (q.actorId) qb.andWhere('a.actorId = :actorId', { actorId: q.actorId });
    if (q.action) {
      qb.andWhere(
        new Brackets((w) =>
          q.action!.endsWith('.')
            ? w.where('a.action LIKE :prefix', { prefix: `${q.action}%` })
            : w.where('a.action = :action', { action: q.action }),
        ),
      );
    }
    if (q.since) qb.andWhere('a.at >= :since', { since: new Date(q.since) });
    if (q.until) qb.andWhere('a.at < :until', { until: new Date(q.until) });
    const [items, total] = await qb
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .take(q.limit ?? 50)
      .skip(q.offset ?? 0)
      .getManyAndCount();
    return { items, total };
  }
}

/**
 * The users a peer or membership change concerns (before and after: a phone may change hands);
 * null, "anyone", for a group's change and a supervisor's membership (whom the group's members
 * report to changed).
 */
function usersOf(change: AuditChange): string[] | null {
  const sides = [change.before, change.after] as ({ userId?: unknown; role?: unknown } | null | undefined)[];
  if (change.entityType === 'group' || sides.some((s) => s?.role === 'supervisor')) return null;
  return sides.map((s) => s?.userId).filter((u): u is string => typeof u === 'string');
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type { Principal } from '../auth/principal.js';
import { Membership } from './members/membership.entity.js';

/**
 * Who may do what in the directory. Admins (people and admin API keys): everything. A person
 * manages the groups where their membership has the role `supervisor` (their own role must be
 * supervisor or admin, enforced when the membership is made). Everyone reads the groups they
 * belong to, and logs themselves in and out, pauses and unpauses themselves there.
 * Service API keys have no access: they mint tokens for people.
 */
@Injectable()
export class DirectoryAccess {
  constructor(@InjectRepository(Membership) private readonly memberships: Repository<Membership>) {}

  isAdmin(p: Principal): boolean {
    return p.role === 'admin';
  }

  /** The user behind a token; undefined for API keys. */
  userOf(p: Principal): string | undefined {
    return p.kind === 'user' ? p.userId : undefined;
  }

  assertAdmin(p: Principal, what: string): void {
    if (!this.isAdmin(p)) throw new AppError(ErrorCode.FORBIDDEN, `Only admins may ${what}`);
  }

  /** Groups the caller supervises; undefined for admins (all of them). */
  async supervisedGroupIds(p: Principal): Promise<string[] | undefined> {
    if (this.isAdmin(p)) return undefined;
    const userId = this.userOf(p);
    if (!userId || p.role !== 'supervisor') return [];
    const rows = await this.memberships.find({
      select: { groupId: true },
      where: { userId, role: 'supervisor' },
    });
    return rows.map((r) => r.groupId);
  }

  /** Groups the caller belongs to in any role; undefined for admins (all of them). */
  async readableGroupIds(p: Principal): Promise<string[] | undefined> {
    if (this.isAdmin(p)) return undefined;
    const userId = this.userOf(p);
    if (!userId) return [];
    const rows = await this.memberships.find({ select: { groupId: true }, where: { userId } });
    return rows.map((r) => r.groupId);
  }

  async canManage(p: Principal, groupId: string): Promise<boolean> {
    if (this.isAdmin(p)) return true;
    const userId = this.userOf(p);
    if (!userId || p.role !== 'supervisor') return false;
    return this.memberships.exists({ where: { groupId, userId, role: 'supervisor' } });
  }

  async assertManages(p: Principal, groupId: string): Promise<void> {
    if (!(await this.canManage(p, groupId))) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `Only admins and supervisors of group ${groupId} may change it`,
      );
    }
  }

  async assertReads(p: Principal, groupId: string): Promise<void> {
    if (this.isAdmin(p)) return;
    const userId = this.userOf(p);
    if (userId && (await this.memberships.exists({ where: { groupId, userId } }))) return;
    throw new AppError(ErrorCode.FORBIDDEN, `You are not a member of group ${groupId}`);
  }

  /** Agent state (login, logoff, pause, unpause): a manager of the group, or the member themselves. */
  async assertActsOn(p: Principal, groupId: string, userId: string): Promise<void> {
    if (this.userOf(p) === userId) return; // membership itself is checked by the caller (404 otherwise)
    if (await this.canManage(p, groupId)) return;
    throw new AppError(
      ErrorCode.FORBIDDEN,
      `Only admins, supervisors of group ${groupId} and the member themselves may change this agent's state`,
    );
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, type Repository } from 'typeorm';
import { Callback } from './callback.entity.js';

export type NewCallback = Omit<
  Callback,
  'id' | 'status' | 'createdAt' | 'closedAt' | 'closedReason' | 'closedBy'
>;

/** Every SQL statement on the callbacks table. */
@Injectable()
export class CallbacksRepository {
  constructor(@InjectRepository(Callback) private readonly rows: Repository<Callback>) {}

  /** Inserts the task unless this call already has one (a replay); answers the new row or null. */
  async insertOnce(task: NewCallback): Promise<Callback | null> {
    const res = await this.rows
      .createQueryBuilder()
      .insert()
      .into(Callback)
      .values(task)
      .orIgnore()
      .returning('id')
      .execute();
    const id = (res.raw as { id: string }[])[0]?.id;
    return id ? this.rows.findOneBy({ id }) : null;
  }

  /** Closes every open task of this number (by its last digits); answers the closed rows. */
  async closeByNumber(matchDigits: string, reason: 'called-back', by: string, at: Date): Promise<Callback[]> {
    const res = await this.rows
      .createQueryBuilder()
      .update(Callback)
      .set({ status: 'closed', closedAt: at, closedReason: reason, closedBy: by })
      .where(`status = 'open' AND match_digits = :matchDigits`, { matchDigits })
      .returning('id')
      .execute();
    const ids = (res.raw as { id: string }[]).map((r) => r.id);
    return ids.length === 0 ? [] : this.rows.findBy(ids.map((id) => ({ id })));
  }

  async close(id: string, reason: 'done', by: string, at: Date): Promise<Callback | null> {
    const res = await this.rows.update(
      { id, status: 'open' },
      { status: 'closed', closedAt: at, closedReason: reason, closedBy: by },
    );
    return res.affected ? this.rows.findOneBy({ id }) : null;
  }

  findById(id: string): Promise<Callback | null> {
    return this.rows.findOneBy({ id });
  }

  /** Tasks visible to a user (theirs, and their groups' unassigned ones), or all when `scope` is undefined. */
  list(
    scope: { userId: string; groupIds: string[] } | undefined,
    status: 'open' | 'closed' | undefined,
    limit: number,
    offset: number,
  ): Promise<[Callback[], number]> {
    const qb = this.rows.createQueryBuilder('c');
    if (scope) {
      qb.andWhere(
        new Brackets((w) => {
          w.where('c.assigneeUserId = :me', { me: scope.userId });
          if (scope.groupIds.length > 0) {
            w.orWhere('(c.assigneeUserId IS NULL AND c.groupId = ANY(:groups))', { groups: scope.groupIds });
          }
        }),
      );
    }
    if (status) qb.andWhere('c.status = :status', { status });
    return qb
      .orderBy('c.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
  }
}

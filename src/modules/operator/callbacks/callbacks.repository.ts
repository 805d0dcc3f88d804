import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, type Repository } from 'typeorm';
import { pgPool } from '../../../database/pg-pool.js';
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

  /**
   * Closes every open task of these numbers (by their last digits) in one statement, each by its
   * own call (the first one given for a number); answers the closed rows.
   */
  async closeByNumbers(
    items: readonly { matchDigits: string; by: string }[],
    reason: 'called-back',
    at: Date,
  ): Promise<Callback[]> {
    if (items.length === 0) return [];
    const { rows } = await pgPool(this.rows.manager.connection).query<{ id: string }>(
      `UPDATE callbacks c
       SET status = 'closed', closed_at = $3, closed_reason = $4, closed_by = k.closer
       FROM (SELECT DISTINCT ON (m) m, closer
             FROM unnest($1::varchar[], $2::varchar[]) WITH ORDINALITY AS u(m, closer, i)
             ORDER BY m, i) k
       WHERE c.status = 'open' AND c.match_digits = k.m
       RETURNING c.id`,
      [items.map((i) => i.matchDigits), items.map((i) => i.by), at, reason],
    );
    return rows.length === 0 ? [] : this.rows.findBy(rows.map(({ id }) => ({ id })));
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

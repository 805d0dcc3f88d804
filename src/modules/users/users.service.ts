import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError } from '../../common/errors/app-error.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import type { CreateUserDto, UpdateUserDto } from './user.dto.js';
import { User } from './user.entity.js';
import { UUID_PATTERN as UUID } from '../../common/uuid.js';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async list(limit = 50, offset = 0): Promise<{ items: User[]; total: number }> {
    const [items, total] = await this.users.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total };
  }

  async get(id: string): Promise<User> {
    const user = UUID.test(id) ? await this.users.findOneBy({ id }) : null;
    if (!user) throw AppError.notFound('User', id);
    return user;
  }

  /** By our id, or by the CRM's externalRef (how a CRM backend knows its people). */
  async findByIdOrExternalRef(ref: string): Promise<User | null> {
    if (UUID.test(ref)) {
      const byId = await this.users.findOneBy({ id: ref });
      if (byId) return byId;
    }
    return this.users.findOneBy({ externalRef: ref });
  }

  async create(dto: CreateUserDto): Promise<User> {
    try {
      return await this.users.save(
        this.users.create({ ...dto, externalRef: dto.externalRef ?? null, active: true }),
      );
    } catch (e) {
      if (isUniqueViolation(e))
        throw AppError.conflict(`A user with externalRef ${dto.externalRef} already exists`);
      throw e;
    }
  }

  async update(id: string, dto: UpdateUserDto): Promise<User> {
    const user = await this.get(id);
    Object.assign(user, dto);
    try {
      return await this.users.save(user);
    } catch (e) {
      if (isUniqueViolation(e))
        throw AppError.conflict(`A user with externalRef ${dto.externalRef} already exists`);
      throw e;
    }
  }
}

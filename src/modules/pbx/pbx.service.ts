import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { isUniqueViolation } from '../../database/postgres-errors.js';
import type { CreatePbxDto, UpdatePbxDto } from './pbx.dto.js';
import { Pbx, type PbxSource } from './pbx.entity.js';
import { UUID_PATTERN as UUID } from '../../common/uuid.js';

/** What a link needs to log in; the secret resolved from the row or from AMI_SECRET. */
export interface PbxEndpoint {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  secret: string;
}

/**
 * The PBX registry. Emits 'changed' (pbx id) when a PBX is created, updated or removed, so the
 * AMI gateway can open, rebuild or close its links.
 */
@Injectable()
export class PbxService extends EventEmitter<{ changed: [string] }> {
  constructor(
    @InjectRepository(Pbx) private readonly pbxes: Repository<Pbx>,
    private readonly config: AppConfig,
  ) {
    super();
  }

  list(): Promise<Pbx[]> {
    return this.pbxes.find({ order: { createdAt: 'ASC' } });
  }

  async get(id: string): Promise<Pbx> {
    const pbx = UUID.test(id) ? await this.pbxes.findOneBy({ id }) : null;
    if (!pbx) throw AppError.notFound('PBX', id);
    return pbx;
  }

  /** The PBX a request means: the one named (by id or name), else the default. */
  async resolve(idOrName?: string): Promise<Pbx> {
    if (idOrName) {
      const pbx = UUID.test(idOrName)
        ? await this.pbxes.findOneBy({ id: idOrName })
        : await this.pbxes.findOneBy({ name: idOrName });
      if (!pbx) throw AppError.notFound('PBX', idOrName);
      return pbx;
    }
    const def = await this.pbxes.findOneBy({ isDefault: true });
    if (!def) throw new AppError(ErrorCode.NOT_FOUND, 'No default PBX is configured: name one with pbxId');
    return def;
  }

  endpoint(pbx: Pbx): PbxEndpoint {
    const secret = pbx.amiSecret ?? (pbx.source === 'settings' ? this.config.ami?.secret : undefined) ?? '';
    return {
      id: pbx.id,
      name: pbx.name,
      host: pbx.amiHost,
      port: pbx.amiPort,
      username: pbx.amiUsername,
      secret,
    };
  }

  hasSettingsSecret(pbx: Pbx): boolean {
    return pbx.source === 'settings' && !!this.config.ami?.secret;
  }

  async create(dto: CreatePbxDto): Promise<Pbx> {
    const pbx = await this.save(async (m) => {
      if (dto.isDefault) await m.update(Pbx, { isDefault: true }, { isDefault: false });
      return m.save(
        m.create(Pbx, {
          ...dto,
          region: dto.region ?? null,
          defaultTrunk: dto.defaultTrunk ?? null,
          source: 'api',
        }),
      );
    }, dto.name);
    this.emit('changed', pbx.id);
    return pbx;
  }

  async update(id: string, dto: UpdatePbxDto): Promise<Pbx> {
    const pbx = await this.get(id);
    if (pbx.source !== 'api' && (dto.amiHost || dto.amiPort || dto.amiUsername || dto.amiSecret)) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `PBX ${pbx.name} comes from ${pbx.source}: change its connection there`,
      );
    }
    const saved = await this.save(async (m) => {
      if (dto.isDefault) await m.update(Pbx, { isDefault: true }, { isDefault: false });
      return m.save(Object.assign(pbx, dto));
    }, pbx.name);
    this.emit('changed', saved.id);
    return saved;
  }

  async remove(id: string): Promise<void> {
    const pbx = await this.get(id);
    if (pbx.source !== 'api')
      throw new AppError(ErrorCode.CONFLICT, `PBX ${pbx.name} comes from ${pbx.source}`);
    await this.pbxes.delete({ id });
    this.emit('changed', id);
  }

  /**
   * Makes the row for a PBX that comes from settings or from the embedded simulator match
   * what this start was given, creating it the first time (its id stays stable across restarts,
   * so peers and groups keep pointing at it).
   */
  async upsertManaged(
    source: Exclude<PbxSource, 'api'>,
    values: { name: string; amiHost: string; amiPort: number; amiUsername: string; amiSecret: string | null },
  ): Promise<Pbx> {
    return this.pbxes.manager.transaction(async (m) => {
      let pbx = await m.findOneBy(Pbx, { source });
      const noDefault = (await m.countBy(Pbx, { isDefault: true })) === 0;
      pbx = m.create(Pbx, {
        ...(pbx ?? { enabled: true, region: null, defaultTrunk: null }),
        ...values,
        source,
      });
      if (noDefault) pbx.isDefault = true;
      return m.save(pbx);
    });
  }

  /** Rows of a managed source that this start no longer uses are disabled, not deleted (history points at them). */
  async disableManaged(source: Exclude<PbxSource, 'api'>): Promise<void> {
    await this.pbxes.update({ source }, { enabled: false, isDefault: false });
  }

  private async save(write: (m: EntityManager) => Promise<Pbx>, name: string): Promise<Pbx> {
    try {
      return await this.pbxes.manager.transaction(write);
    } catch (e) {
      if (isUniqueViolation(e)) throw AppError.conflict(`A PBX named ${name} already exists`);
      throw e;
    }
  }
}

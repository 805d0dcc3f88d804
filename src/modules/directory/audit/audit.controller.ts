import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal, Roles } from '../../auth/roles.decorator.js';
import { DirectoryAccess } from '../directory-access.service.js';
import { AuditEntryDto, AuditPageDto, AuditQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('directory')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin', 'supervisor')
@Controller('api/v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: DirectoryAccess,
  ) {}

  @Get()
  @ApiOperation({ summary: "Directory changes, newest first: admins all, supervisors their groups'" })
  async list(@CurrentPrincipal() p: Principal, @Query() q: AuditQueryDto): Promise<AuditPageDto> {
    const { items, total } = await this.audit.list(q, await this.access.supervisedGroupIds(p));
    return { items: items.map(AuditEntryDto.from), total };
  }
}

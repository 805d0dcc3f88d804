import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal, Roles } from '../../auth/roles.decorator.js';
import { DriftReportDto } from '../sync/drift-report.dto.js';
import {
  CreateGroupDto,
  GroupPageDto,
  GroupQueryDto,
  GroupResponseDto,
  UpdateGroupDto,
} from './group.dto.js';
import { GroupsService } from './groups.service.js';

@ApiTags('directory')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin', 'supervisor', 'operator')
@Controller('api/v1/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ summary: 'List groups: admins all, others the groups they belong to' })
  async list(@CurrentPrincipal() p: Principal, @Query() q: GroupQueryDto): Promise<GroupPageDto> {
    const { items, total } = await this.groups.list(p, q);
    return { items: items.map(GroupResponseDto.from), total };
  }

  @Get(':id')
  async get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<GroupResponseDto> {
    return GroupResponseDto.from(await this.groups.get(p, id));
  }

  @Post()
  @ApiOperation({ summary: 'Create a group for an Asterisk queue and the DIDs it answers (admins)' })
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreateGroupDto): Promise<GroupResponseDto> {
    return GroupResponseDto.from(await this.groups.create(p, dto));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a group: admins anything, its supervisors name, profileUrlTemplate, popupSettings',
  })
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateGroupDto,
  ): Promise<GroupResponseDto> {
    return GroupResponseDto.from(await this.groups.update(p, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a group (admins); members still logged in are removed from the queue' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.groups.remove(p, id);
  }

  @Get(':id/drift')
  @ApiOperation({
    summary: "The last reconciliation of the group's queue with Asterisk (admins, its supervisors)",
  })
  async drift(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DriftReportDto> {
    return this.groups.drift(p, id);
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @ApiOperation({ summary: "Reconcile the group's queue with Asterisk now (admins, its supervisors)" })
  async reconcile(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DriftReportDto> {
    return this.groups.reconcile(p, id);
  }
}

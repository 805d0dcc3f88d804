import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator.js';
import { CreatePbxDto, PbxResponseDto, UpdatePbxDto } from './pbx.dto.js';
import { PbxService } from './pbx.service.js';

@ApiTags('pbx')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin')
@Controller('api/v1/pbxes')
export class PbxController {
  constructor(private readonly pbxes: PbxService) {}

  @Get()
  @ApiOperation({ summary: 'List PBXes (admins); secrets are never shown' })
  async list(): Promise<PbxResponseDto[]> {
    return (await this.pbxes.list()).map((p) => PbxResponseDto.from(p, this.pbxes.hasSettingsSecret(p)));
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<PbxResponseDto> {
    const p = await this.pbxes.get(id);
    return PbxResponseDto.from(p, this.pbxes.hasSettingsSecret(p));
  }

  @Post()
  @ApiOperation({ summary: 'Add a PBX; its AMI link opens at once' })
  async create(@Body() dto: CreatePbxDto): Promise<PbxResponseDto> {
    return PbxResponseDto.from(await this.pbxes.create(dto));
  }

  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdatePbxDto): Promise<PbxResponseDto> {
    const p = await this.pbxes.update(id, dto);
    return PbxResponseDto.from(p, this.pbxes.hasSettingsSecret(p));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.pbxes.remove(id);
  }
}

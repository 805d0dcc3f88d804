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
import { CreatePeerDto, PeerPageDto, PeerQueryDto, PeerResponseDto, UpdatePeerDto } from './peer.dto.js';
import { PeersService } from './peers.service.js';

@ApiTags('directory')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin', 'supervisor', 'operator')
@Controller('api/v1/peers')
export class PeersController {
  constructor(private readonly peers: PeersService) {}

  @Get()
  @ApiOperation({
    summary: "List phones: admins all, supervisors their own and their members', operators their own",
  })
  async list(@CurrentPrincipal() p: Principal, @Query() q: PeerQueryDto): Promise<PeerPageDto> {
    const { items, total } = await this.peers.list(p, q);
    return { items: items.map(PeerResponseDto.from), total };
  }

  @Get(':id')
  async get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<PeerResponseDto> {
    return PeerResponseDto.from(await this.peers.get(p, id));
  }

  @Post()
  @ApiOperation({
    summary: "Add a user's phone (admins); trunk and caller ID default to the PBX's trunk and the extension",
  })
  async create(@CurrentPrincipal() p: Principal, @Body() dto: CreatePeerDto): Promise<PeerResponseDto> {
    return PeerResponseDto.from(await this.peers.create(p, dto));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change a phone (admins); its interfaces are fixed while it is logged in to a queue',
  })
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdatePeerDto,
  ): Promise<PeerResponseDto> {
    return PeerResponseDto.from(await this.peers.update(p, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a phone (admins); refused while it is logged in to a queue' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.peers.remove(p, id);
  }
}

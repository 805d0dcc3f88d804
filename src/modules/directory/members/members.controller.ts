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
import {
  AddMemberDto,
  LoginDto,
  MemberChangeResponseDto,
  MemberPageDto,
  MemberQueryDto,
  MemberRemovedResponseDto,
  MemberResponseDto,
  NoBodyDto,
  PauseDto,
  UpdateMemberDto,
} from './membership.dto.js';
import { MembershipsService } from './memberships.service.js';

@ApiTags('directory')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Roles('admin', 'supervisor', 'operator')
@Controller('api/v1/groups/:id/members')
export class MembersController {
  constructor(private readonly members: MembershipsService) {}

  @Get()
  @ApiOperation({ summary: 'Members of a group with their live queue state (anyone in the group)' })
  list(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: MemberQueryDto,
  ): Promise<MemberPageDto> {
    return this.members.list(p, id, q);
  }

  @Get(':userId')
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<MemberResponseDto> {
    return this.members.get(p, id, userId);
  }

  @Post()
  @ApiOperation({
    summary: 'Add a user to the group (admins, its supervisors); logged off until they log in',
  })
  add(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: AddMemberDto,
  ): Promise<MemberResponseDto> {
    return this.members.add(p, id, dto);
  }

  @Patch(':userId')
  @ApiOperation({
    summary: 'Change role or penalty (admins, its supervisors); a penalty goes to Asterisk (QueuePenalty)',
  })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: UpdateMemberDto,
  ): Promise<MemberChangeResponseDto> {
    return this.members.update(p, id, userId, dto);
  }

  @Delete(':userId')
  @ApiOperation({
    summary: 'Remove a member (admins, its supervisors); removed from the queue too when logged in',
  })
  remove(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
  ): Promise<MemberRemovedResponseDto> {
    return this.members.remove(p, id, userId);
  }

  @Post(':userId/login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log the member in to the queue (QueueAdd); the member themselves, or a manager of the group',
  })
  login(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: LoginDto,
  ): Promise<MemberChangeResponseDto> {
    return this.members.agent(p, id, userId, 'login', dto);
  }

  @Post(':userId/logoff')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log the member off the queue (QueueRemove)' })
  logoff(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() _body: NoBodyDto,
  ): Promise<MemberChangeResponseDto> {
    return this.members.agent(p, id, userId, 'logoff');
  }

  @Post(':userId/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the member with a reason (QueuePause)' })
  pause(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() dto: PauseDto,
  ): Promise<MemberChangeResponseDto> {
    return this.members.agent(p, id, userId, 'pause', dto);
  }

  @Post(':userId/unpause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unpause the member (QueuePause Paused: false)' })
  unpause(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('userId', ParseUUIDPipe) userId: string,
    @Body() _body: NoBodyDto,
  ): Promise<MemberChangeResponseDto> {
    return this.members.agent(p, id, userId, 'unpause');
  }
}

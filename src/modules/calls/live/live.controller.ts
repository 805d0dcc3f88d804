import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal } from '../../auth/roles.decorator.js';
import { LiveAgentDto, LiveCallDto, LiveQueueDto } from './live.dto.js';
import { LiveService } from './live.service.js';

@ApiTags('live')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('api/v1/live')
export class LiveController {
  constructor(private readonly live: LiveService) {}

  @Get('calls')
  @ApiOperation({
    summary: 'Calls in progress on every PBX (those other instances follow too, with REDIS_URL)',
    description:
      'Operators see the calls they are on, supervisors also those of their groups, admins and API keys all.',
  })
  @ApiOkResponse({ type: [LiveCallDto] })
  calls(@CurrentPrincipal() p: Principal): Promise<LiveCallDto[]> {
    return this.live.calls(p);
  }

  @Get('queues')
  @ApiOperation({ summary: 'Queues: callers waiting, longest wait, counters' })
  @ApiOkResponse({ type: [LiveQueueDto] })
  queues(): Promise<LiveQueueDto[]> {
    return this.live.queues();
  }

  @Get('agents')
  @ApiOperation({ summary: 'Agents: extension state, queue memberships (paused, reason), current call' })
  @ApiOkResponse({ type: [LiveAgentDto] })
  agents(): Promise<LiveAgentDto[]> {
    return this.live.agents();
  }
}

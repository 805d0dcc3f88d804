import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../../auth/principal.js';
import { CurrentPrincipal } from '../../auth/roles.decorator.js';
import { CallbackPageDto, CallbackQueryDto, CallbackResponseDto } from './callback.dto.js';
import { CallbacksService } from './callbacks.service.js';

@ApiTags('callbacks')
@ApiSecurity('bearer')
@ApiSecurity('api-key')
@Controller('api/v1/callbacks')
export class CallbacksController {
  constructor(private readonly callbacks: CallbacksService) {}

  @Get()
  @ApiOperation({
    summary:
      "Call-back tasks: a user's own and their groups' unassigned ones (admin and service keys: all), newest first",
  })
  list(@CurrentPrincipal() p: Principal, @Query() q: CallbackQueryDto): Promise<CallbackPageDto> {
    return this.callbacks.list(p, q);
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a call-back task done' })
  close(
    @CurrentPrincipal() p: Principal,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<CallbackResponseDto> {
    return this.callbacks.close(p, id);
  }
}

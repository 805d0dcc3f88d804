import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type { Principal } from '../auth/principal.js';
import { CurrentPrincipal } from '../auth/roles.decorator.js';
import { parseCallId } from './operator-call-id.js';
import {
  AnswerResultDto,
  CallActionDto,
  CreateCallDto,
  DialProgressDto,
  HangupResultDto,
  TransferCallDto,
  TransferResultDto,
} from './operator-commands.dto.js';
import { type CommandActor, OperatorCommandsService } from './operator-commands.service.js';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Same as the body field idempotencyKey: a retry with the same key is not run twice',
};

/**
 * The operator commands for CRM back ends, the same service as the Socket.IO edge. A user token
 * acts for its user; an API key (admin or service) names the operator with `userId`; an admin user
 * may name another operator too.
 */
@ApiTags('calls')
@ApiSecurity('api-key')
@ApiSecurity('bearer')
@Controller('api/v1/calls')
export class OperatorCallsController {
  constructor(private readonly commands: OperatorCommandsService) {}

  @Post()
  @HttpCode(202)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: "Click-to-call: ring the operator's phone, then the number; follow it with dial:progress events",
  })
  dial(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateCallDto,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<DialProgressDto> {
    const actor = this.actor(p, dto.userId);
    const key = this.key(dto.idempotencyKey, headerKey);
    return this.commands.once(actor, key, `dial ${dto.number} ${dto.pbxId ?? ''}`, () =>
      this.commands.dial(actor, dto.number, dto.pbxId),
    );
  }

  @Post(':id/answer')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({
    summary: "Take a call ringing for the operator: the waiting caller is sent to the operator's phone",
  })
  answer(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: CallActionDto,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<AnswerResultDto> {
    const callId = this.callId(id);
    const actor = this.actor(p, dto.userId);
    return this.commands.once(actor, this.key(dto.idempotencyKey, headerKey), `answer ${callId}`, () =>
      this.commands.answer(actor, callId),
    );
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Blind transfer of the other party to an extension or a number' })
  transfer(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: TransferCallDto,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<TransferResultDto> {
    const callId = this.callId(id);
    const actor = this.actor(p, dto.userId);
    return this.commands.once(
      actor,
      this.key(dto.idempotencyKey, headerKey),
      `transfer ${callId} ${dto.to}`,
      () => this.commands.transfer(actor, callId, dto.to),
    );
  }

  @Post(':id/hangup')
  @HttpCode(200)
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiOperation({ summary: 'Hang up a call the operator is on' })
  hangup(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: CallActionDto,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<HangupResultDto> {
    const callId = this.callId(id);
    const actor = this.actor(p, dto.userId);
    return this.commands.once(actor, this.key(dto.idempotencyKey, headerKey), `hangup ${callId}`, () =>
      this.commands.hangup(actor, callId),
    );
  }

  private callId(id: string): string {
    parseCallId(id); // 400 on anything else
    return id.toLowerCase();
  }

  private key(body: string | undefined, header: string | undefined): string | undefined {
    const key = body ?? header;
    if (key !== undefined && !/^[A-Za-z0-9_.:-]{8,100}$/.test(key)) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: Idempotency-Key', [
        { field: 'Idempotency-Key', message: 'must be 8 to 100 characters of A-Z a-z 0-9 _ . : -' },
      ]);
    }
    return key;
  }

  private actor(p: Principal, userId: string | undefined): CommandActor {
    if (p.kind === 'user' && (userId === undefined || userId === p.userId)) {
      return { principal: p, userId: p.userId, keyScope: `user:${p.userId}` };
    }
    if (!userId) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: userId', [
        { field: 'userId', message: 'name the operator to act for (required with an API key)' },
      ]);
    }
    if (p.role !== 'admin' && p.role !== 'service') {
      throw new AppError(ErrorCode.FORBIDDEN, 'Only admins and service keys may act for another operator');
    }
    return { principal: p, userId, keyScope: `user:${userId}` };
  }
}

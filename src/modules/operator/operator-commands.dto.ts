import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type {
  AgentPauseCommand,
  AgentUnpauseCommand,
  AuthRefreshCommand,
  CallAnswerCommand,
  CallDialCommand,
  CallHangupCommand,
  CallTransferCommand,
  DialProgress,
  DialState,
} from '../../client/operator-protocol.js';
import { CALL_ID_PATTERN } from './operator-call-id.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/;
const KEY_MESSAGE = 'idempotencyKey must be 8 to 100 characters of A-Z a-z 0-9 _ . : -';
const CALL_ID_MESSAGE = 'callId must be a call id as sent in call:offered (<pbx id>:<linkedid>)';
const ONE_LINE = /^[^\r\n]*$/;
const NUMBER = /^[+\d\s\-().*#]{2,64}$/;
const NUMBER_MESSAGE = 'a phone number or an extension (digits, spaces, + - ( ) . * #)';

// ------------------------------------------------------------------------ Socket.IO commands

class IdempotentDto {
  @Matches(IDEMPOTENCY_KEY, { message: KEY_MESSAGE })
  @IsString()
  idempotencyKey!: string;
}

export class CallAnswerDto extends IdempotentDto implements CallAnswerCommand {
  @Matches(CALL_ID_PATTERN, { message: CALL_ID_MESSAGE })
  @IsString()
  callId!: string;
}

export class CallDialDto extends IdempotentDto implements CallDialCommand {
  @Matches(NUMBER, { message: `number must be ${NUMBER_MESSAGE}` })
  @IsString()
  number!: string;

  @IsOptional()
  @MaxLength(64)
  @IsString()
  pbxId?: string;
}

export class CallTransferDto extends IdempotentDto implements CallTransferCommand {
  @Matches(CALL_ID_PATTERN, { message: CALL_ID_MESSAGE })
  @IsString()
  callId!: string;

  @Matches(NUMBER, { message: `to must be ${NUMBER_MESSAGE}` })
  @IsString()
  to!: string;
}

export class CallHangupDto extends IdempotentDto implements CallHangupCommand {
  @Matches(CALL_ID_PATTERN, { message: CALL_ID_MESSAGE })
  @IsString()
  callId!: string;
}

export class AgentPauseDto extends IdempotentDto implements AgentPauseCommand {
  @Matches(ONE_LINE, { message: 'reason must be one line' })
  @MaxLength(128)
  @Matches(/\S/, { message: 'reason must not be empty' })
  @IsString()
  reason!: string;
}

export class AgentUnpauseDto extends IdempotentDto implements AgentUnpauseCommand {
  @IsOptional()
  @Matches(ONE_LINE, { message: 'reason must be one line' })
  @MaxLength(128)
  @IsString()
  reason?: string;
}

export class AuthRefreshDto implements AuthRefreshCommand {
  @MaxLength(4096)
  @IsString()
  token!: string;
}

// ------------------------------------------------------------------------------------- REST

/** A CRM back end acts for one operator; an operator's own token acts for themselves. */
class RestCommandDto {
  @ApiPropertyOptional({
    description: 'The operator to act for: required with an API key, absent (or yourself) with a user token',
  })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({
    description: 'A retry with the same key is not run twice (also accepted as the Idempotency-Key header)',
    example: 'crm-req-2f9c0c1e',
  })
  @IsOptional()
  @Matches(IDEMPOTENCY_KEY, { message: KEY_MESSAGE })
  @IsString()
  idempotencyKey?: string;
}

export class CreateCallDto extends RestCommandDto {
  @ApiProperty({
    example: '+7 495 111-22-33',
    description: 'The number to call; the operator’s phone rings first',
  })
  @Matches(NUMBER, { message: `number must be ${NUMBER_MESSAGE}` })
  @IsString()
  number!: string;

  @ApiPropertyOptional({ description: 'PBX id or name; default: the PBX of the operator’s phone' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  pbxId?: string;
}

export class TransferCallDto extends RestCommandDto {
  @ApiProperty({ example: '1002', description: 'An extension or a number (blind transfer)' })
  @Matches(NUMBER, { message: `to must be ${NUMBER_MESSAGE}` })
  @IsString()
  to!: string;
}

export class CallActionDto extends RestCommandDto {}

const DIAL_STATES: DialState[] = ['pending', 'ringing-agent', 'ringing-customer', 'answered', 'failed'];

export class DialProgressDto implements DialProgress {
  @ApiProperty({ description: 'Follow it in dial:progress events' }) dialId!: string;
  @ApiProperty() number!: string;
  @ApiProperty({ enum: DIAL_STATES }) state!: DialState;
  @ApiProperty({ nullable: true, type: String }) callId!: string | null;
  @ApiProperty({ nullable: true, type: Number }) cause!: number | null;
  @ApiProperty({ nullable: true, type: String }) causeText!: string | null;
}

export class AnswerResultDto {
  @ApiProperty() callId!: string;
  @ApiProperty({ description: 'The operator’s extension the caller was sent to' }) extension!: string;
}

export class TransferResultDto {
  @ApiProperty() callId!: string;
  @ApiProperty() to!: string;
}

export class HangupResultDto {
  @ApiProperty() callId!: string;
}

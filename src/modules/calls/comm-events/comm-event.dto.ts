import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { CallDirection, CallOutcome, CallStatus } from '../tracker/index.js';
import type { CommEventRecord } from './comm-events.repository.js';

export const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound', 'internal'];
export const OUTCOMES: readonly CallOutcome[] = [
  'answered',
  'abandoned',
  'missed',
  'no_answer',
  'busy',
  'failed',
];
export const STATUSES: readonly CallStatus[] = ['entered', 'in_progress', 'complete'];

export class CommEventQueryDto {
  @ApiPropertyOptional({
    description: 'Calls started at or after (ISO 8601)',
    example: '2026-11-22T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Calls started before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: DIRECTIONS })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: CallDirection;

  @ApiPropertyOptional({ enum: OUTCOMES })
  @IsOptional()
  @IsIn(OUTCOMES)
  outcome?: CallOutcome;

  @ApiPropertyOptional({ description: 'The agent (user) who took the call' })
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'The matched contact' })
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({
    description:
      'Either party, in any format (normalised to E.164 under DEFAULT_COUNTRY; an extension as written)',
    example: '89161234567',
  })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  number?: string;

  @ApiPropertyOptional({ example: 'support' })
  @IsOptional()
  @MaxLength(128)
  @IsString()
  queue?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Max(200)
  @Min(1)
  @IsInt()
  @Type(() => Number)
  limit?: number;
}

export class TransferDto {
  @ApiProperty({ enum: ['blind', 'attended', 'redirect'] })
  kind!: string;
  @ApiProperty({ type: String, nullable: true })
  fromExtension!: string | null;
  @ApiProperty({ type: String, nullable: true })
  toExtension!: string | null;
  @ApiProperty()
  at!: string;
}

export class LegDto {
  @ApiProperty({ type: String, nullable: true, example: '1001' })
  extension!: string | null;
  @ApiProperty({ example: 'Local/1001@phones/n' })
  interface!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Alice Agent' })
  memberName!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'support' })
  queue!: string | null;
  @ApiProperty()
  offeredAt!: string;
  @ApiProperty({ type: String, nullable: true })
  endedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'How long the phone rang' })
  ringSeconds!: number | null;
  @ApiProperty()
  answered!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['answered', 'no-answer', 'answered-elsewhere', 'caller-hungup', 'cancelled'],
  })
  reason!: string | null;
}

export class CommEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ format: 'uuid' })
  pbxId!: string;
  @ApiProperty({ description: "Asterisk's Linkedid" })
  linkedid!: string;
  @ApiProperty({ enum: DIRECTIONS })
  direction!: CallDirection;
  @ApiProperty({ enum: STATUSES })
  status!: CallStatus;
  @ApiProperty({ enum: OUTCOMES, nullable: true })
  outcome!: CallOutcome | null;
  @ApiProperty({ type: String, nullable: true, description: 'As Asterisk had it' })
  fromNumber!: string | null;
  @ApiProperty({ type: String, nullable: true })
  fromE164!: string | null;
  @ApiProperty({ type: String, nullable: true })
  fromName!: string | null;
  @ApiProperty({ type: String, nullable: true })
  toNumber!: string | null;
  @ApiProperty({ type: String, nullable: true })
  toE164!: string | null;
  @ApiProperty({ type: String, nullable: true })
  queue!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  agentUserId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  agentExtension!: string | null;
  @ApiProperty({ type: String, nullable: true })
  agentName!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' })
  contactId!: string | null;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty({ type: String, nullable: true })
  answeredAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  endedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'In the queue (Asterisk HoldTime) or ringing' })
  waitSeconds!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  talkSeconds!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Q.850 cause' })
  hangupCause!: number | null;
  @ApiProperty({ type: String, nullable: true })
  hangupCauseText!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '/api/v1/comm-events/…/recording' })
  recordingUrl!: string | null;
  @ApiProperty({ type: [TransferDto] })
  transfers!: TransferDto[];

  static from(r: CommEventRecord): CommEventDto {
    const dto = new CommEventDto();
    Object.assign(dto, {
      id: r.id,
      pbxId: r.pbxId,
      linkedid: r.linkedid,
      direction: r.direction,
      status: r.status,
      outcome: r.outcome,
      fromNumber: r.fromNumber,
      fromE164: r.fromE164,
      fromName: r.fromName,
      toNumber: r.toNumber,
      toE164: r.toE164,
      queue: r.queue,
      agentUserId: r.agentUserId,
      agentExtension: r.agentExtension,
      agentName: r.agentName,
      contactId: r.contactId,
      startedAt: r.startedAt.toISOString(),
      answeredAt: r.answeredAt?.toISOString() ?? null,
      endedAt: r.endedAt?.toISOString() ?? null,
      waitSeconds: r.waitSeconds,
      talkSeconds: r.talkSeconds,
      hangupCause: r.hangupCause,
      hangupCauseText: r.hangupCauseText,
      recordingUrl: r.recordingPath ? `/api/v1/comm-events/${r.id}/recording` : null,
      transfers: r.transfers.map((t) => ({ ...t })),
    });
    return dto;
  }
}

export class CommEventDetailDto extends CommEventDto {
  @ApiProperty({ type: [LegDto], description: "Every agent's phone the call was offered to, in order" })
  legs!: LegDto[];
  @ApiProperty({ description: 'Offers beyond the per-call cap (counted, not listed)' })
  legsDropped!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'CRM_* variables' })
  variables!: Record<string, string>;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'ActionID of the Originate that placed the call',
  })
  originateActionId!: string | null;
  @ApiProperty({ type: String, nullable: true })
  note!: string | null;
  @ApiProperty()
  createdAt!: string;
  @ApiProperty()
  updatedAt!: string;

  static detail(r: CommEventRecord): CommEventDetailDto {
    const dto = Object.assign(new CommEventDetailDto(), CommEventDto.from(r));
    dto.legs = r.legs.map((l) => ({
      extension: l.extension,
      interface: l.interface,
      memberName: l.memberName,
      queue: l.queue,
      offeredAt: l.offeredAt,
      endedAt: l.endedAt,
      ringSeconds: l.ringSeconds,
      answered: l.answered,
      reason: l.reason,
    }));
    dto.legsDropped = r.legsDropped;
    dto.variables = r.variables;
    dto.originateActionId = r.originateActionId;
    dto.note = r.note;
    dto.createdAt = r.createdAt.toISOString();
    dto.updatedAt = r.updatedAt.toISOString();
    return dto;
  }
}

export class CommEventPageDto {
  @ApiProperty({ type: [CommEventDto] })
  items!: CommEventDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

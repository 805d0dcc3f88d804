import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { CallbackTask } from '../../../client/operator-protocol.js';
import { formatCallId } from '../operator-call-id.js';
import { CALLBACK_STATUSES, type Callback, type CallbackStatusValue } from './callback.entity.js';

export class CallbackQueryDto {
  @ApiPropertyOptional({ enum: CALLBACK_STATUSES, description: 'Default: every status' })
  @IsOptional()
  @IsIn(CALLBACK_STATUSES)
  status?: CallbackStatusValue;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class CallbackResponseDto implements CallbackTask {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: CALLBACK_STATUSES }) status!: CallbackStatusValue;
  @ApiProperty({ example: '+79161234567' }) number!: string;
  @ApiProperty({ nullable: true, type: String }) contactId!: string | null;
  @ApiProperty({ nullable: true, type: String }) contactName!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Null: a task for the whole group' })
  assigneeUserId!: string | null;
  @ApiProperty({ nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({ enum: ['missed', 'abandoned'] }) reason!: 'missed' | 'abandoned';
  @ApiProperty({ description: 'The missed call (<pbx id>:<linkedid>)' }) callId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty({ nullable: true, enum: ['called-back', 'done'] }) closedReason!:
    'called-back' | 'done' | null;

  static from(c: Callback): CallbackResponseDto {
    return {
      id: c.id,
      status: c.status,
      number: c.number,
      contactId: c.contactId,
      contactName: c.contactName,
      assigneeUserId: c.assigneeUserId,
      groupId: c.groupId,
      reason: c.reason,
      callId: formatCallId(c.pbxId, c.linkedid),
      createdAt: c.createdAt.toISOString(),
      closedAt: c.closedAt?.toISOString() ?? null,
      closedReason: c.closedReason,
    };
  }
}

export class CallbackPageDto {
  @ApiProperty({ type: [CallbackResponseDto] }) items!: CallbackResponseDto[];
  @ApiProperty() total!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmpty,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  ONE_LINE,
  OptionalNotNull,
  PageQueryDto,
  PENALTY_MAX,
  queryBoolean,
} from '../directory-validation.js';
import type { LiveQueueMember } from '../live/live-agent-state.port.js';
import type { Peer } from '../peers/peer.entity.js';
import { AsteriskOutcome } from '../sync/asterisk-outcome.js';
import {
  MEMBER_ROLES,
  type MemberRole,
  type Membership,
  SYNC_STATES,
  type SyncState,
} from './membership.entity.js';

const REASON_MESSAGE = 'reason must be one line of at most 128 characters';

export class AddMemberDto {
  @ApiProperty({ description: 'Our user id, or the CRM externalRef of the user' })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  userId!: string;

  @ApiPropertyOptional({
    enum: MEMBER_ROLES,
    default: 'member',
    description: 'supervisor: only for users whose role is supervisor or admin',
  })
  @OptionalNotNull()
  @IsIn(MEMBER_ROLES)
  role?: MemberRole;

  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: PENALTY_MAX,
    description: 'Asterisk queue penalty: higher rings later',
  })
  @OptionalNotNull()
  @Max(PENALTY_MAX)
  @Min(0)
  @IsInt()
  penalty?: number;
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ enum: MEMBER_ROLES })
  @OptionalNotNull()
  @IsIn(MEMBER_ROLES)
  role?: MemberRole;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: PENALTY_MAX,
    description: 'Sent to Asterisk (QueuePenalty) when the member is logged in',
  })
  @OptionalNotNull()
  @Max(PENALTY_MAX)
  @Min(0)
  @IsInt()
  penalty?: number;
}

export class LoginDto {
  @ApiPropertyOptional({
    description: 'The phone to log in with; needed only when the user has several on this PBX',
  })
  @OptionalNotNull()
  @IsUUID()
  peerId?: string;

  @ApiPropertyOptional({ default: false, description: 'Log in paused' })
  @OptionalNotNull()
  @IsBoolean()
  paused?: boolean;

  @ApiPropertyOptional({ example: 'lunch', description: 'Pause reason when logging in paused' })
  @OptionalNotNull()
  @Matches(ONE_LINE, { message: REASON_MESSAGE })
  @MaxLength(128, { message: REASON_MESSAGE })
  @IsString()
  reason?: string;
}

export class PauseDto {
  @ApiPropertyOptional({
    example: 'lunch',
    description: 'Shown to supervisors and sent to Asterisk as the pause reason',
  })
  @OptionalNotNull()
  @Matches(ONE_LINE, { message: REASON_MESSAGE })
  @MaxLength(128, { message: REASON_MESSAGE })
  @IsString()
  reason?: string;
}

/** logoff and unpause take no body: any field in one is refused (400) rather than ignored. */
export class NoBodyDto {
  @IsEmpty({ message: 'this request takes no body' })
  none?: never;
}

export class MemberQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: MEMBER_ROLES })
  @IsOptional()
  @IsIn(MEMBER_ROLES)
  role?: MemberRole;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  loggedIn?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  paused?: boolean;

  @ApiPropertyOptional({ enum: SYNC_STATES })
  @IsOptional()
  @IsIn(SYNC_STATES)
  syncState?: SyncState;
}

export class LiveCallDto {
  @ApiProperty() linkedid!: string;
  @ApiProperty() direction!: string;
  @ApiProperty({ nullable: true, type: String }) fromNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) toNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) queue!: string | null;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String }) answeredAt!: string | null;
}

/** What Asterisk's queue shows for the member right now (from the call tracker). */
export class LiveMemberDto {
  @ApiProperty({
    example: 'not_in_use',
    description: 'not_in_use, ringing, in_use, on_hold, unavailable, unknown',
  })
  status!: string;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ nullable: true, type: String }) pausedReason!: string | null;
  @ApiProperty() callsTaken!: number;
  @ApiProperty() inCall!: boolean;
  @ApiProperty({ nullable: true, type: String }) lastCallAt!: string | null;
  @ApiProperty({ nullable: true, type: LiveCallDto }) currentCall!: LiveCallDto | null;
  @ApiProperty() updatedAt!: string;

  static from(l: LiveQueueMember): LiveMemberDto {
    const c = l.currentCall;
    return {
      status: l.status,
      paused: l.paused,
      pausedReason: l.pausedReason || null,
      callsTaken: l.callsTaken,
      inCall: l.inCall,
      lastCallAt: l.lastCallAt?.toISOString() ?? null,
      currentCall: c
        ? {
            linkedid: c.linkedid,
            direction: c.direction,
            fromNumber: c.fromNumber,
            toNumber: c.toNumber,
            queue: c.queue,
            startedAt: c.startedAt.toISOString(),
            answeredAt: c.answeredAt?.toISOString() ?? null,
          }
        : null,
      updatedAt: l.updatedAt.toISOString(),
    };
  }
}

export class MemberResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() groupId!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: MEMBER_ROLES }) role!: MemberRole;
  @ApiProperty() penalty!: number;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ nullable: true, type: String }) pausedReason!: string | null;
  @ApiProperty() loggedIn!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The phone used for the queue' }) peerId!:
    string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The queue member interface (the peer's dial interface)",
  })
  interface!: string | null;
  @ApiProperty({ enum: SYNC_STATES, description: 'Whether Asterisk has what the directory says' })
  syncState!: SyncState;
  @ApiProperty({ nullable: true, type: String }) lastSyncError!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastSyncedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: LiveMemberDto,
    description: 'null when the call tracker has no state for it',
  })
  live!: LiveMemberDto | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(
    m: Membership,
    displayName: string,
    peer: Peer | null,
    live?: LiveQueueMember,
  ): MemberResponseDto {
    return {
      id: m.id,
      groupId: m.groupId,
      userId: m.userId,
      displayName,
      role: m.role,
      penalty: m.penalty,
      paused: m.paused,
      pausedReason: m.pausedReason,
      loggedIn: m.loggedIn,
      peerId: m.peerId,
      interface: peer?.dialInterface ?? null,
      syncState: m.syncState,
      lastSyncError: m.lastSyncError,
      lastSyncedAt: m.lastSyncedAt?.toISOString() ?? null,
      live: live ? LiveMemberDto.from(live) : null,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  }
}

/** A member after a change, with what Asterisk made of it (null when Asterisk was not involved). */
export class MemberChangeResponseDto extends MemberResponseDto {
  @ApiProperty({ nullable: true, type: AsteriskOutcome }) asterisk!: AsteriskOutcome | null;
}

export class MemberRemovedResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() groupId!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() removed!: true;
  @ApiProperty({
    nullable: true,
    type: AsteriskOutcome,
    description: 'QueueRemove, when the member was logged in',
  })
  asterisk!: AsteriskOutcome | null;
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberResponseDto] }) items!: MemberResponseDto[];
  @ApiProperty() total!: number;
}

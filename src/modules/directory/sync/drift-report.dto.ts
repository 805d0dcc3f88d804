import { ApiProperty } from '@nestjs/swagger';
import { ASTERISK_STATUSES, type AsteriskStatus } from './asterisk-outcome.js';
import { DRIFT_KINDS, type DriftKind } from './queue-reconcile.js';

export class DriftItemDto {
  @ApiProperty({ enum: DRIFT_KINDS }) kind!: DriftKind;
  @ApiProperty() interface!: string;
  @ApiProperty() memberName!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The directory user this interface belongs to' })
  userId!: string | null;
  @ApiProperty() detail!: string;
  @ApiProperty({ enum: ['add', 'remove', 'pause', 'penalty', 'pause+penalty', 'reported'] }) action!: string;
  @ApiProperty({
    enum: [...ASTERISK_STATUSES, 'not-sent'],
    description: 'What Asterisk answered to the action',
  })
  outcome!: AsteriskStatus | 'not-sent';
  @ApiProperty({ required: false }) message?: string;
}

export class StaticMemberDto {
  @ApiProperty() interface!: string;
  @ApiProperty() memberName!: string;
  @ApiProperty({ example: 'static' }) membership!: string;
  @ApiProperty({ nullable: true, type: String }) stateInterface!: string | null;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ nullable: true, type: String }) userId!: string | null;
}

export const DRIFT_STATUSES = ['in-step', 'drift', 'unavailable', 'error', 'not-checked'] as const;
export type DriftStatus = (typeof DRIFT_STATUSES)[number];

/** The last reconciliation of a group's queue with Asterisk. */
export class DriftReportDto {
  @ApiProperty() groupId!: string;
  @ApiProperty() pbxId!: string;
  @ApiProperty() queue!: string;
  @ApiProperty({
    enum: DRIFT_STATUSES,
    description:
      '`in-step`: Asterisk matched the directory. `drift`: differences were found (see drift). ' +
      '`unavailable`: the PBX could not be asked. `not-checked`: no reconciliation has run since start.',
  })
  status!: DriftStatus;
  @ApiProperty({ nullable: true, type: String }) checkedAt!: string | null;
  @ApiProperty({ example: 'reconnect', description: 'start/reconnect, retry, manual, login...' })
  reason!: string;
  @ApiProperty({ description: 'False when Asterisk has no such queue (not in queues.conf)' })
  queueExists!: boolean;
  @ApiProperty({ type: [DriftItemDto] }) drift!: DriftItemDto[];
  @ApiProperty({ type: [StaticMemberDto], description: 'queues.conf members: shown, never changed' })
  staticMembers!: StaticMemberDto[];
  @ApiProperty({ required: false }) error?: string;
}

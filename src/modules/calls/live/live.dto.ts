import { ApiProperty } from '@nestjs/swagger';
import type { ExtensionState, LiveCall, QueueMemberState, QueueState } from '../tracker/index.js';
import { LegDto, TransferDto } from '../comm-events/comm-event.dto.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export class LiveCallDto {
  @ApiProperty({ format: 'uuid' }) pbxId!: string;
  @ApiProperty() linkedid!: string;
  @ApiProperty({ enum: ['inbound', 'outbound', 'internal'] }) direction!: string;
  @ApiProperty({ enum: ['entered', 'in_progress', 'complete'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) fromNumber!: string | null;
  @ApiProperty({ type: String, nullable: true }) fromName!: string | null;
  @ApiProperty({ type: String, nullable: true }) toNumber!: string | null;
  @ApiProperty({ type: String, nullable: true }) queue!: string | null;
  @ApiProperty({ type: String, nullable: true }) agentExtension!: string | null;
  @ApiProperty({ type: String, nullable: true }) agentName!: string | null;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ type: String, nullable: true }) queuedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) answeredAt!: string | null;
  @ApiProperty({ type: [LegDto] }) legs!: LegDto[];
  @ApiProperty({ type: [TransferDto] }) transfers!: TransferDto[];
  @ApiProperty({ type: String, nullable: true }) recordingPath!: string | null;

  static from(c: LiveCall): LiveCallDto {
    return Object.assign(new LiveCallDto(), {
      pbxId: c.pbx,
      linkedid: c.linkedid,
      direction: c.direction,
      status: c.status,
      fromNumber: c.fromNumber,
      fromName: c.fromName,
      toNumber: c.toNumber,
      queue: c.queue,
      agentExtension: c.agentExtension,
      agentName: c.agentName,
      startedAt: c.startedAt.toISOString(),
      queuedAt: iso(c.queuedAt),
      answeredAt: iso(c.answeredAt),
      legs: c.legs.map((l) => ({
        extension: l.extension,
        interface: l.interface,
        memberName: l.memberName,
        queue: l.queue,
        offeredAt: l.offeredAt.toISOString(),
        endedAt: iso(l.endedAt),
        ringSeconds: l.ringSeconds,
        answered: l.answered,
        reason: l.reason,
      })),
      transfers: c.transfers.map((t) => ({ ...t, at: t.at.toISOString() })),
      recordingPath: c.recordingPath,
    });
  }
}

export class LiveQueueDto {
  @ApiProperty({ format: 'uuid' }) pbxId!: string;
  @ApiProperty() queue!: string;
  @ApiProperty() callersWaiting!: number;
  @ApiProperty({ type: String, nullable: true }) oldestWaitingSince!: string | null;
  @ApiProperty({ description: 'As of updatedAt' }) longestWaitSeconds!: number;
  @ApiProperty({ type: String, nullable: true }) strategy!: string | null;
  @ApiProperty({ type: Number, nullable: true }) completed!: number | null;
  @ApiProperty({ type: Number, nullable: true }) abandoned!: number | null;
  @ApiProperty({ type: Number, nullable: true }) holdTimeSeconds!: number | null;
  @ApiProperty({ type: Number, nullable: true }) talkTimeSeconds!: number | null;
  @ApiProperty() updatedAt!: string;

  static from(q: QueueState & { pbxId: string }): LiveQueueDto {
    return Object.assign(new LiveQueueDto(), {
      ...q,
      oldestWaitingSince: iso(q.oldestWaitingSince),
      updatedAt: q.updatedAt.toISOString(),
    });
  }
}

export class LiveMembershipDto {
  @ApiProperty() queue!: string;
  @ApiProperty({ example: 'Local/1001@phones/n' }) interface!: string;
  @ApiProperty() name!: string;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ type: String, nullable: true }) pausedReason!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty() inCall!: boolean;
  @ApiProperty() callsTaken!: number;
  @ApiProperty({ type: String, nullable: true }) lastCallAt!: string | null;
  @ApiProperty() penalty!: number;
}

export class LiveAgentDto {
  @ApiProperty({ format: 'uuid' }) pbxId!: string;
  @ApiProperty({ example: '1001' }) extension!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Alice Agent' }) name!: string | null;
  @ApiProperty({ enum: ['not_in_use', 'ringing', 'in_use', 'on_hold', 'unavailable', 'unknown'] })
  status!: string;
  @ApiProperty({ type: [LiveMembershipDto] }) queues!: LiveMembershipDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Linkedid of the call the agent is on' })
  currentCall!: string | null;
  @ApiProperty() updatedAt!: string;

  static build(
    pbxId: string,
    extension: string,
    ext: ExtensionState | undefined,
    members: readonly QueueMemberState[],
    currentCall: string | null,
  ): LiveAgentDto {
    const times = [ext?.updatedAt.getTime() ?? 0, ...members.map((m) => m.updatedAt.getTime())];
    return Object.assign(new LiveAgentDto(), {
      pbxId,
      extension,
      name: members[0]?.name ?? null,
      status: ext?.status ?? members[0]?.status ?? 'unknown',
      queues: members.map((m) => ({
        queue: m.queue,
        interface: m.interface,
        name: m.name,
        paused: m.paused,
        pausedReason: m.pausedReason,
        status: m.status,
        inCall: m.inCall,
        callsTaken: m.callsTaken,
        lastCallAt: iso(m.lastCallAt),
        penalty: m.penalty,
      })),
      currentCall,
      updatedAt: new Date(Math.max(...times)).toISOString(),
    });
  }
}

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { CallDirection, CallOutcome, CallStatus } from '../tracker/index.js';

/** One agent's phone offered the call, as kept in `legs` (ordered by offer). */
export interface StoredLeg {
  extension: string | null;
  interface: string;
  memberName: string | null;
  queue: string | null;
  channel: string;
  uniqueid: string;
  offeredAt: string;
  endedAt: string | null;
  ringSeconds: number | null;
  answered: boolean;
  reason: string | null;
}

export interface StoredTransfer {
  kind: string;
  fromExtension: string | null;
  toExtension: string | null;
  at: string;
}

/**
 * A call as a communication event (the OFBiz CommunicationEvent): one row per call, keyed by the
 * PBX and Asterisk's Linkedid so that a replay or a reconnect finds the same row. Written only by
 * CommEventWriter (batched upserts; a `complete` row is never rewritten).
 *
 * No foreign key on pbx_id: the history outlives a PBX removed from the registry. agent_user_id
 * and contact_id are soft references for the same reason (users and contacts can be deleted).
 */
@Entity('comm_events')
@Index('uq_comm_events_pbx_linkedid', ['pbxId', 'linkedid'], { unique: true })
@Index('ix_comm_events_started', ['startedAt', 'id'])
@Index('ix_comm_events_agent_user', ['agentUserId', 'startedAt', 'id'])
@Index('ix_comm_events_contact', ['contactId', 'startedAt', 'id'])
@Index('ix_comm_events_queue', ['queue', 'startedAt', 'id'])
@Index('ix_comm_events_from_e164', ['fromE164', 'startedAt', 'id'])
@Index('ix_comm_events_to_e164', ['toE164', 'startedAt', 'id'])
@Index('ix_comm_events_open', ['pbxId', 'startedAt'], { where: `"status" <> 'complete'` })
export class CommEvent {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  /** Asterisk's Linkedid (AST_MAX_UNIQUEID is 150). */
  @Column({ type: 'varchar', length: 150 })
  linkedid!: string;

  @Column({ type: 'varchar', length: 16 })
  direction!: CallDirection;

  /** entered (ringing or queued) -> in_progress (answered) -> complete. */
  @Column({ type: 'varchar', length: 16 })
  status!: CallStatus;

  /** Set once complete. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: CallOutcome | null;

  @Column({ name: 'from_number', type: 'varchar', length: 128, nullable: true })
  fromNumber!: string | null;

  /** fromNumber in E.164 under DEFAULT_COUNTRY; null for extensions and unknown callers. */
  @Column({ name: 'from_e164', type: 'varchar', length: 32, nullable: true })
  fromE164!: string | null;

  @Column({ name: 'from_name', type: 'varchar', length: 256, nullable: true })
  fromName!: string | null;

  @Column({ name: 'to_number', type: 'varchar', length: 128, nullable: true })
  toNumber!: string | null;

  @Column({ name: 'to_e164', type: 'varchar', length: 32, nullable: true })
  toE164!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  queue!: string | null;

  /** The user whose extension took the call (the caller for outbound calls), from the directory. */
  @Column({ name: 'agent_user_id', type: 'uuid', nullable: true })
  agentUserId!: string | null;

  @Column({ name: 'agent_extension', type: 'varchar', length: 32, nullable: true })
  agentExtension!: string | null;

  @Column({ name: 'agent_name', type: 'varchar', length: 256, nullable: true })
  agentName!: string | null;

  /** The customer's contact (by the caller's number inbound, the dialled one outbound). */
  @Column({ name: 'contact_id', type: 'uuid', nullable: true })
  contactId!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'wait_seconds', type: 'int', nullable: true })
  waitSeconds!: number | null;

  @Column({ name: 'talk_seconds', type: 'int', nullable: true })
  talkSeconds!: number | null;

  @Column({ name: 'hangup_cause', type: 'int', nullable: true })
  hangupCause!: number | null;

  @Column({ name: 'hangup_cause_text', type: 'varchar', length: 128, nullable: true })
  hangupCauseText!: string | null;

  /** As Asterisk wrote it (MIXMONITOR_FILENAME); served from under RECORDINGS_DIR. */
  @Column({ name: 'recording_path', type: 'varchar', length: 1024, nullable: true })
  recordingPath!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  transfers!: StoredTransfer[];

  @Column({ type: 'jsonb', default: () => "'[]'" })
  legs!: StoredLeg[];

  /** Offers beyond the tracker's per-call cap: counted, not kept in `legs`. */
  @Column({ name: 'legs_dropped', type: 'int', default: 0 })
  legsDropped!: number;

  /** The CRM's own channel variables (CRM_*). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  variables!: Record<string, string>;

  @Column({ name: 'originate_action_id', type: 'varchar', length: 128, nullable: true })
  originateActionId!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  note!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const CALLBACK_STATUSES = ['open', 'closed'] as const;
export type CallbackStatusValue = (typeof CALLBACK_STATUSES)[number];

/**
 * A call-back task: a missed or abandoned call from a known contact, for the contact's responsible
 * user (or, without one, the group whose queue the caller waited in). Closed when someone calls the
 * number back (or talks with that caller again), or by hand. One per call: a replay finds it.
 *
 * Soft references (no foreign keys) to users, groups and contacts: the task outlives them.
 */
@Entity('callbacks')
@Index('uq_callbacks_pbx_linkedid', ['pbxId', 'linkedid'], { unique: true })
@Index('ix_callbacks_open_number', ['matchDigits'], { where: `"status" = 'open'` })
@Index('ix_callbacks_assignee', ['assigneeUserId', 'status', 'createdAt'])
@Index('ix_callbacks_group', ['groupId', 'status', 'createdAt'])
export class Callback {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 8, default: 'open' })
  status!: CallbackStatusValue;

  /** The caller's number as Asterisk gave it. */
  @Column({ type: 'varchar', length: 64 })
  number!: string;

  /** Its last PHONE_MATCH_DIGITS digits: how a later call is recognised as a call back. */
  @Column({ name: 'match_digits', type: 'varchar', length: 15 })
  matchDigits!: string;

  @Column({ name: 'contact_id', type: 'uuid', nullable: true })
  contactId!: string | null;

  @Column({ name: 'contact_name', type: 'varchar', length: 200, nullable: true })
  contactName!: string | null;

  @Column({ name: 'assignee_user_id', type: 'uuid', nullable: true })
  assigneeUserId!: string | null;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  reason!: 'missed' | 'abandoned';

  @Column({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  @Column({ type: 'varchar', length: 150 })
  linkedid!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'closed_reason', type: 'varchar', length: 16, nullable: true })
  closedReason!: 'called-back' | 'done' | null;

  /** The call that closed it (`<pbx id>:<linkedid>`), or the user who marked it done. */
  @Column({ name: 'closed_by', type: 'varchar', length: 200, nullable: true })
  closedBy!: string | null;
}

import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../../users/user.entity.js';
import { Group } from '../groups/group.entity.js';
import { Peer } from '../peers/peer.entity.js';

export const MEMBER_ROLES = ['member', 'supervisor'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Whether Asterisk has what the directory says: `pending` is applied when the link returns. */
export const SYNC_STATES = ['synced', 'pending', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/**
 * A user in a group (the OFBiz GroupMembership). The agent fields (loggedIn, paused, penalty)
 * are the state the directory wants Asterisk's queue to have; syncState says whether it has it.
 */
@Entity('directory_memberships')
@Index('uq_directory_memberships_group_user', ['groupId', 'userId'], { unique: true })
@Index('ix_directory_memberships_user', ['userId'])
export class Membership {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => Group, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'group_id' })
  group?: Group;

  @Column({ name: 'group_id', type: 'uuid' })
  groupId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 16, default: 'member' })
  role!: MemberRole;

  @Column({ type: 'int', default: 0 })
  penalty!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ name: 'paused_reason', type: 'varchar', length: 128, nullable: true })
  pausedReason!: string | null;

  @Column({ name: 'logged_in', type: 'boolean', default: false })
  loggedIn!: boolean;

  /**
   * The phone the member logs in with (its dial interface is the queue member). Kept after a
   * logoff, so a pending QueueRemove still knows the interface; a peer in use cannot be deleted.
   */
  @ManyToOne(() => Peer, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'peer_id' })
  peer?: Peer | null;

  @Column({ name: 'peer_id', type: 'uuid', nullable: true })
  peerId!: string | null;

  @Column({ name: 'sync_state', type: 'varchar', length: 8, default: 'synced' })
  syncState!: SyncState;

  @Column({ name: 'last_sync_error', type: 'varchar', length: 1000, nullable: true })
  lastSyncError!: string | null;

  @Column({ name: 'last_synced_at', type: 'timestamptz', nullable: true })
  lastSyncedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

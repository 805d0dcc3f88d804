import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Pbx } from '../../pbx/pbx.entity.js';

/**
 * A QueueRemove still owed to a PBX for an interface the directory no longer has a membership
 * for (a logged-in member or group deleted while the PBX was unreachable). Applied on the next
 * 'ready' of the link, before reconciliation; the row goes once Asterisk has confirmed.
 */
@Entity('directory_queue_removals')
@Index('uq_directory_queue_removals', ['pbxId', 'queue', 'interface'], { unique: true })
export class QueueRemoval {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @ManyToOne(() => Pbx, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'pbx_id' })
  pbx?: Pbx;

  @Column({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  @Column({ type: 'varchar', length: 128 })
  queue!: string;

  @Column({ type: 'varchar', length: 255 })
  interface!: string;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

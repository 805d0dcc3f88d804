import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Pbx } from '../../pbx/pbx.entity.js';
import { GroupNumber } from './group-number.entity.js';

/** Free-form settings the operator UI reads when a call of this group pops up. */
export type PopupSettings = Record<string, unknown>;

/** A call-center group (the OFBiz CallCenterGroup): one Asterisk queue and the DIDs it answers. */
@Entity('directory_groups')
@Index('uq_directory_groups_queue', ['pbxId', 'queue'], { unique: true })
export class Group {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @ManyToOne(() => Pbx, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'pbx_id' })
  pbx?: Pbx;

  @Column({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  /** The queue's section name in queues.conf. */
  @Column({ type: 'varchar', length: 128 })
  queue!: string;

  /** Page the operator UI opens for a call (`https://crm/contacts?phone={callerId}`). */
  @Column({ name: 'profile_url_template', type: 'varchar', length: 2000, nullable: true })
  profileUrlTemplate!: string | null;

  @Column({ name: 'popup_settings', type: 'jsonb', default: () => "'{}'" })
  popupSettings!: PopupSettings;

  /** Inactive groups keep their members but answer no DID (queueForDid skips them). */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @OneToMany(() => GroupNumber, (n) => n.group)
  numbers?: GroupNumber[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

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
import { Pbx } from '../../pbx/pbx.entity.js';
import { User } from '../../users/user.entity.js';

/**
 * A user's phone on one PBX (the OFBiz AsteriskPeer). A user may own several (desk phone and
 * softphone). The dial interface is what a queue rings (`Local/1001@phones/n`, `PJSIP/1001`); it is
 * unique per PBX too, because Asterisk identifies a queue member by its interface.
 */
@Entity('directory_peers')
@Index('uq_directory_peers_extension', ['pbxId', 'extension'], { unique: true })
@Index('uq_directory_peers_dial_interface', ['pbxId', 'dialInterface'], { unique: true })
@Index('ix_directory_peers_user', ['userId'])
export class Peer {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Deleting a PBX deletes its directory: its peers mean nothing without it. */
  @ManyToOne(() => Pbx, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'pbx_id' })
  pbx?: Pbx;

  @Column({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  extension!: string;

  @Column({ name: 'dial_interface', type: 'varchar', length: 255 })
  dialInterface!: string;

  /** Device whose state the queue follows (`Custom:1001`); null: Asterisk uses the dial interface. */
  @Column({ name: 'state_interface', type: 'varchar', length: 255, nullable: true })
  stateInterface!: string | null;

  /** Dial-string template for click-to-call (`PJSIP/{number}@trunk`); defaults to the PBX's default trunk. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  trunk!: string | null;

  /** Caller ID shown to the called party on click-to-call; defaults to the extension. */
  @Column({ name: 'caller_id', type: 'varchar', length: 128, nullable: true })
  callerId!: string | null;

  /** SIP header added to an originate so the phone answers by itself (`Call-Info: answer-after=0`). */
  @Column({ name: 'auto_answer_header', type: 'varchar', length: 255, nullable: true })
  autoAnswerHeader!: string | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

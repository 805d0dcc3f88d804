import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Group } from './group.entity.js';

/**
 * A public number (DID) a group answers, digits only. The primary key (PBX, number) makes a DID
 * unique per PBX and the routing lookup (queueForDid) one index probe.
 */
@Entity('directory_group_numbers')
@Index('ix_directory_group_numbers_group', ['groupId'])
export class GroupNumber {
  @PrimaryColumn({ name: 'pbx_id', type: 'uuid' })
  pbxId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  number!: string;

  @ManyToOne(() => Group, (g) => g.numbers, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'group_id' })
  group?: Group;

  @Column({ name: 'group_id', type: 'uuid' })
  groupId!: string;
}

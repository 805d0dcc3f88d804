import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Where a PBX row comes from: the REST API, the AMI_* settings, or the simulator started when none is configured. */
export const PBX_SOURCES = ['api', 'settings', 'simulator'] as const;
export type PbxSource = (typeof PBX_SOURCES)[number];

/** One Asterisk server and how to reach its Manager Interface. */
@Entity('pbxes')
export class Pbx {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_pbxes_name', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'ami_host', type: 'varchar', length: 255 })
  amiHost!: string;

  @Column({ name: 'ami_port', type: 'int', default: 5038 })
  amiPort!: number;

  @Column({ name: 'ami_username', type: 'varchar', length: 128 })
  amiUsername!: string;

  /** Write-only in the API. Null for the settings PBX, whose secret stays in AMI_SECRET. */
  @Column({ name: 'ami_secret', type: 'varchar', length: 255, nullable: true })
  amiSecret!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Site or country, for operators and routing answers per site. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  region!: string | null;

  /** Trunk for click-to-call when a peer names none (`PJSIP/{number}@trunk`-style dial string template). */
  @Column({ name: 'default_trunk', type: 'varchar', length: 255, nullable: true })
  defaultTrunk!: string | null;

  /** The PBX used when a request names none. At most one row has it. */
  @Index('uq_pbxes_default', { unique: true, where: '"is_default"' })
  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'api' })
  source!: PbxSource;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

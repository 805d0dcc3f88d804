import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const USER_ROLES = ['admin', 'supervisor', 'operator'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A person who works with Switchboard; `externalRef` is the CRM's own id for them. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_users_external_ref', { unique: true, where: '"external_ref" IS NOT NULL' })
  @Column({ name: 'external_ref', type: 'varchar', length: 128, nullable: true })
  externalRef!: string | null;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: UserRole;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const API_KEY_ROLES = ['admin', 'service'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** A server-to-server credential (the CRM backend). Only the SHA-256 of the key is stored. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  /** The first characters of the key, to recognise it in a list; not enough to use it. */
  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @Index('uq_api_keys_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}

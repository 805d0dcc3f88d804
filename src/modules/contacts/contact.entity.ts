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
import { User } from '../users/user.entity.js';
import type { ContactPhone } from './contact-phone.entity.js';

/** OFBiz-style party kinds: a person, an organisation, or a lead not yet qualified. */
export const CONTACT_KINDS = ['person', 'organization', 'lead'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/** Someone who calls or is called, as the CRM knows them; `externalRef` is the CRM's own id. */
@Entity('contacts')
export class Contact {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  company!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'person' })
  kind!: ContactKind;

  /** Unique when set: the key of `PUT /contacts/bulk` (the bulk upsert's ON CONFLICT target). */
  @Index('uq_contacts_external_ref', { unique: true, where: '"external_ref" IS NOT NULL' })
  @Column({ name: 'external_ref', type: 'varchar', length: 128, nullable: true })
  externalRef!: string | null;

  @Column({ name: 'profile_url', type: 'varchar', length: 2048, nullable: true })
  profileUrl!: string | null;

  /** The agent who owns this contact: FastAGI `responsible` routes the caller to them. */
  @Index('ix_contacts_responsible_user')
  @Column({ name: 'responsible_user_id', type: 'uuid', nullable: true })
  responsibleUserId!: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'responsible_user_id', foreignKeyConstraintName: 'fk_contacts_responsible_user' })
  responsibleUser?: User | null;

  @OneToMany('ContactPhone', 'contact')
  phones?: ContactPhone[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One change to the directory: who (the principal), what (action, entity, before/after), when.
 * `groupId` scopes the entry for supervisors; no foreign keys, so history outlives what it names.
 */
@Entity('directory_audit_log')
@Index('ix_directory_audit_log_at', ['at'])
@Index('ix_directory_audit_log_group_at', ['groupId', 'at'])
@Index('ix_directory_audit_log_entity', ['entityType', 'entityId'])
export class AuditEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  /** `user` or `api-key`. */
  @Column({ name: 'actor_kind', type: 'varchar', length: 16 })
  actorKind!: string;

  /** The user id or the API key id. */
  @Column({ name: 'actor_id', type: 'varchar', length: 64 })
  actorId!: string;

  @Column({ name: 'actor_role', type: 'varchar', length: 16 })
  actorRole!: string;

  @Column({ name: 'actor_name', type: 'varchar', length: 200, nullable: true })
  actorName!: string | null;

  /** `peer.create`, `group.update`, `member.pause`... */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 32 })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'uuid' })
  entityId!: string;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  after!: Record<string, unknown> | null;
}

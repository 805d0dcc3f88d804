import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../directory-validation.js';
import type { AuditEntry } from './audit-entry.entity.js';

export const AUDIT_ENTITY_TYPES = ['peer', 'group', 'membership'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_ENTITY_TYPES })
  @IsOptional()
  @IsIn(AUDIT_ENTITY_TYPES)
  entityType?: AuditEntityType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  entityId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ description: 'User id or API key id' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  actorId?: string;

  @ApiPropertyOptional({
    example: 'member.pause',
    description: 'An action, or a prefix ending in a dot (`member.`)',
  })
  @IsOptional()
  @Matches(/^[a-z]+(\.[a-z-]*)?$/, { message: 'action must look like member.pause or member.' })
  @MaxLength(64)
  @IsString()
  action?: string;

  @ApiPropertyOptional({ description: 'ISO timestamp, inclusive' })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ description: 'ISO timestamp, exclusive' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class AuditEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ description: '`user` or `api-key`' }) actorKind!: string;
  @ApiProperty() actorId!: string;
  @ApiProperty() actorRole!: string;
  @ApiProperty({ nullable: true, type: String }) actorName!: string | null;
  @ApiProperty({ example: 'member.pause' }) action!: string;
  @ApiProperty({ enum: AUDIT_ENTITY_TYPES }) entityType!: string;
  @ApiProperty() entityId!: string;
  @ApiProperty({ nullable: true, type: String }) groupId!: string | null;
  @ApiProperty({ nullable: true, type: Object }) before!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: Object }) after!: Record<string, unknown> | null;

  static from(e: AuditEntry): AuditEntryDto {
    return {
      id: e.id,
      at: e.at.toISOString(),
      actorKind: e.actorKind,
      actorId: e.actorId,
      actorRole: e.actorRole,
      actorName: e.actorName,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      groupId: e.groupId,
      before: e.before,
      after: e.after,
    };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items!: AuditEntryDto[];
  @ApiProperty() total!: number;
}

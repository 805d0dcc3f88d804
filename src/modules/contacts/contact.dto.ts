import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MATCH_KINDS, type MatchKind } from './contact-phone-keys.js';
import { CONTACT_KINDS, type ContactKind } from './contact.entity.js';
import type { ContactMatch, ContactRecord } from './contacts.repository.js';

/** Most phone numbers per contact. */
export const MAX_PHONES_PER_CONTACT = 20;
/** Most contacts in one `PUT /contacts/bulk`. */
export const MAX_BULK_CONTACTS = 5000;
/** That route's JSON body limit (bootstrap.ts): 5,000 full contacts are about 2 MB. */
export const CONTACTS_BULK_PATH = '/api/v1/contacts/bulk';
export const CONTACTS_BULK_BODY_LIMIT = '8mb';

export class ContactPhoneDto {
  @ApiProperty({
    description: 'As the CRM has it; normalised to E.164 under DEFAULT_COUNTRY',
    example: '8 (903) 111-22-33',
  })
  @Matches(/\d/, { message: 'number must contain at least one digit' })
  @MaxLength(64)
  @IsString()
  number!: string;

  @ApiPropertyOptional({ example: 'mobile' })
  @IsOptional()
  @MaxLength(32)
  @IsString()
  type?: string;
}

/** The fields of a contact but its externalRef (optional on create, the key of a bulk item). */
class ContactFieldsDto {
  @ApiProperty({ example: 'Ivan Petrov' })
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  displayName!: string;

  @ApiPropertyOptional({ enum: CONTACT_KINDS, default: 'person' })
  @IsOptional()
  @IsIn(CONTACT_KINDS)
  kind?: ContactKind;

  @ApiPropertyOptional({ example: 'ACME' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  company?: string | null;

  @ApiPropertyOptional({ example: 'https://crm.example.com/contacts/42' })
  @IsOptional()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  profileUrl?: string | null;

  @ApiPropertyOptional({ description: "The responsible user: Switchboard's id or the user's externalRef" })
  @IsOptional()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  responsibleUserId?: string | null;

  @ApiPropertyOptional({ type: [ContactPhoneDto] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ContactPhoneDto)
  @ArrayMaxSize(MAX_PHONES_PER_CONTACT)
  @IsArray()
  phones?: ContactPhoneDto[];
}

export class CreateContactDto extends ContactFieldsDto {
  @ApiPropertyOptional({ description: "The CRM's own id; unique when set", example: 'crm-contact-42' })
  @IsOptional()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  externalRef?: string | null;
}

/** PATCH: every field optional; `null` clears company, externalRef, profileUrl, responsibleUserId; phones replace the list. */
export class UpdateContactDto {
  @ApiPropertyOptional()
  @ValidateIf((_, v) => v !== undefined) // null is not "unchanged": a contact always has a name
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  displayName?: string;

  @ApiPropertyOptional({ enum: CONTACT_KINDS })
  @ValidateIf((_, v) => v !== undefined)
  @IsIn(CONTACT_KINDS)
  kind?: ContactKind;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  company?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  externalRef?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  profileUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  responsibleUserId?: string | null;

  @ApiPropertyOptional({ type: [ContactPhoneDto], description: 'Replaces every number of the contact' })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => ContactPhoneDto)
  @ArrayMaxSize(MAX_PHONES_PER_CONTACT)
  @IsArray()
  phones?: ContactPhoneDto[];
}

/** One item of `PUT /contacts/bulk`: a whole contact (omitted fields are cleared), keyed by externalRef. */
export class BulkContactItemDto extends ContactFieldsDto {
  @ApiProperty({ description: "The CRM's own id: the upsert key", example: 'crm-contact-42' })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  externalRef!: string;
}

export class BulkUpsertContactsDto {
  @ApiProperty({
    type: [BulkContactItemDto],
    description: `Up to ${MAX_BULK_CONTACTS} contacts; each is checked on its own and a bad one is reported in errors`,
  })
  @ArrayMaxSize(MAX_BULK_CONTACTS)
  @ArrayMinSize(1)
  @IsArray()
  contacts!: unknown[];
}

export class ContactListQueryDto {
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @Max(500)
  @Min(1)
  @IsInt()
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @Min(0)
  @IsInt()
  offset?: number;

  @ApiPropertyOptional({ description: 'Part of the name or the company (case-insensitive)' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  q?: string;

  @ApiPropertyOptional({ description: 'Contacts having this number (same rules as lookup)' })
  @IsOptional()
  @Matches(/\d/, { message: 'number must contain at least one digit' })
  @MaxLength(64)
  @IsString()
  number?: string;
}

export class LookupQueryDto {
  @ApiProperty({ example: '+79031112233' })
  @Matches(/\d/, { message: 'number must contain at least one digit' })
  @MaxLength(64)
  @IsString()
  number!: string;

  @ApiPropertyOptional({ default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class ContactPhoneResponseDto {
  @ApiProperty() number!: string;
  @ApiProperty({ nullable: true, type: String }) type!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '+79031112233' }) e164!: string | null;
}

export class ContactResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: CONTACT_KINDS }) kind!: ContactKind;
  @ApiProperty({ nullable: true, type: String }) company!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalRef!: string | null;
  @ApiProperty({ nullable: true, type: String }) profileUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) responsibleUserId!: string | null;
  @ApiProperty({ type: [ContactPhoneResponseDto] }) phones!: ContactPhoneResponseDto[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(c: ContactRecord): ContactResponseDto {
    return {
      id: c.id,
      displayName: c.displayName,
      kind: c.kind,
      company: c.company,
      externalRef: c.externalRef,
      profileUrl: c.profileUrl,
      responsibleUserId: c.responsibleUserId,
      phones: c.phones.map((p) => ({ number: p.number, type: p.type, e164: p.e164 })),
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}

export class ContactPageDto {
  @ApiProperty({ type: [ContactResponseDto] }) items!: ContactResponseDto[];
  @ApiProperty() total!: number;
}

export class LookupCandidateDto {
  @ApiProperty({
    enum: MATCH_KINDS,
    description: 'e164: same number; digits: same digits; suffix: same last N digits',
  })
  match!: MatchKind;
  @ApiProperty({ type: ContactPhoneResponseDto, description: 'The stored number that matched' })
  phone!: ContactPhoneResponseDto;
  @ApiProperty() contactId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: CONTACT_KINDS }) kind!: ContactKind;
  @ApiProperty({ nullable: true, type: String }) company!: string | null;
  @ApiProperty({ nullable: true, type: String }) externalRef!: string | null;
  @ApiProperty({ nullable: true, type: String }) profileUrl!: string | null;
  @ApiProperty({ nullable: true, type: String }) responsibleUserId!: string | null;

  static from(m: ContactMatch): LookupCandidateDto {
    return {
      match: m.match,
      phone: m.phone,
      contactId: m.contactId,
      displayName: m.displayName,
      kind: m.kind,
      company: m.company,
      externalRef: m.externalRef,
      profileUrl: m.profileUrl,
      responsibleUserId: m.responsibleUserId,
    };
  }
}

export class LookupResponseDto {
  @ApiProperty({ description: 'As asked' }) number!: string;
  @ApiProperty({ nullable: true, type: String }) e164!: string | null;
  @ApiProperty({ type: [LookupCandidateDto], description: 'Best match first' })
  candidates!: LookupCandidateDto[];
}

export class BulkItemResultDto {
  @ApiProperty({ description: 'Position in the request' }) index!: number;
  @ApiProperty() externalRef!: string;
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['created', 'updated'] }) status!: 'created' | 'updated';
}

export class BulkItemErrorDto {
  @ApiProperty() index!: number;
  @ApiProperty({ nullable: true, type: String }) externalRef!: string | null;
  @ApiProperty({ example: 'VALIDATION_FAILED' }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } }) details?: {
    field?: string;
    message: string;
  }[];
}

export class BulkUpsertResultDto {
  @ApiProperty() created!: number;
  @ApiProperty() updated!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [BulkItemResultDto] }) items!: BulkItemResultDto[];
  @ApiProperty({ type: [BulkItemErrorDto] }) errors!: BulkItemErrorDto[];
}

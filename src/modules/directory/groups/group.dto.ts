import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { normaliseDid } from '../did.util.js';
import {
  HTTP_URL_TEMPLATE,
  OptionalNotNull,
  PageQueryDto,
  QUEUE_NAME,
  queryBoolean,
} from '../directory-validation.js';
import type { Group, PopupSettings } from './group.entity.js';

export const MAX_NUMBERS_PER_GROUP = 100;
const POPUP_SETTINGS_MAX_BYTES = 8192;

const IsDid = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isDid',
      validator: {
        validate: (v: unknown) => typeof v === 'string' && normaliseDid(v) !== undefined,
        defaultMessage: (args) =>
          `${options?.each ? 'each value in ' : ''}${args?.property ?? 'number'} must be a phone number of 3 to 20 digits (+, spaces, dashes allowed)`,
      },
    },
    options,
  );

const SmallJson = () =>
  ValidateBy({
    name: 'smallJson',
    validator: {
      validate: (v: unknown) => JSON.stringify(v ?? null).length <= POPUP_SETTINGS_MAX_BYTES,
      defaultMessage: () => `popupSettings must hold at most ${POPUP_SETTINGS_MAX_BYTES} bytes of JSON`,
    },
  });

export class CreateGroupDto {
  @ApiProperty({ example: 'Support' })
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiPropertyOptional({ description: 'PBX id or name; the default PBX when absent' })
  @OptionalNotNull()
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  pbxId?: string;

  @ApiProperty({ example: 'support', description: 'The queue name in queues.conf' })
  @Matches(QUEUE_NAME, {
    message: 'queue must be a queues.conf section name: 1 to 128 letters, digits, _ . -',
  })
  @IsString()
  queue!: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['74951234567'],
    description: 'DIDs this group answers; stored as digits',
  })
  @OptionalNotNull()
  @IsDid({ each: true })
  @ArrayMaxSize(MAX_NUMBERS_PER_GROUP)
  @IsArray()
  numbers?: string[];

  @ApiPropertyOptional({ example: 'https://crm.example.com/contacts?phone={callerId}' })
  @OptionalNotNull()
  @Matches(HTTP_URL_TEMPLATE, { message: 'profileUrlTemplate must be an http(s) URL' })
  @MaxLength(2000)
  @IsString()
  profileUrlTemplate?: string;

  @ApiPropertyOptional({ type: Object, example: { autoOpen: true } })
  @OptionalNotNull()
  @SmallJson()
  @IsObject()
  popupSettings?: PopupSettings;

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

/** Supervisors of the group may change name, profileUrlTemplate and popupSettings; the rest is for admins. */
export class UpdateGroupDto {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ description: 'Admins; refused while members are logged in' })
  @OptionalNotNull()
  @Matches(QUEUE_NAME, {
    message: 'queue must be a queues.conf section name: 1 to 128 letters, digits, _ . -',
  })
  @IsString()
  queue?: string;

  @ApiPropertyOptional({ type: [String], description: 'Admins; replaces the whole list' })
  @OptionalNotNull()
  @IsDid({ each: true })
  @ArrayMaxSize(MAX_NUMBERS_PER_GROUP)
  @IsArray()
  numbers?: string[];

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @Matches(HTTP_URL_TEMPLATE, { message: 'profileUrlTemplate must be an http(s) URL' })
  @MaxLength(2000)
  @IsString()
  profileUrlTemplate?: string | null;

  @ApiPropertyOptional({ type: Object })
  @OptionalNotNull()
  @SmallJson()
  @IsObject()
  popupSettings?: PopupSettings;

  @ApiPropertyOptional({ description: 'Admins' })
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

/** The fields a supervisor of the group may change. */
export const SUPERVISOR_GROUP_FIELDS: readonly (keyof UpdateGroupDto)[] = [
  'name',
  'profileUrlTemplate',
  'popupSettings',
];

export class GroupQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'PBX id or name' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  pbxId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(QUEUE_NAME)
  @IsString()
  queue?: string;

  @ApiPropertyOptional({ description: 'A DID the group answers, in any format' })
  @IsOptional()
  @IsDid()
  number?: string;

  @ApiPropertyOptional({ description: 'Part of the name, any case' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  active?: boolean;
}

export class GroupResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() pbxId!: string;
  @ApiProperty() queue!: string;
  @ApiProperty({ type: [String], description: 'DIDs, digits only' }) numbers!: string[];
  @ApiProperty({ nullable: true, type: String }) profileUrlTemplate!: string | null;
  @ApiProperty({ type: Object }) popupSettings!: PopupSettings;
  @ApiProperty() active!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(g: Group): GroupResponseDto {
    return {
      id: g.id,
      name: g.name,
      pbxId: g.pbxId,
      queue: g.queue,
      numbers: (g.numbers ?? []).map((n) => n.number).sort(),
      profileUrlTemplate: g.profileUrlTemplate,
      popupSettings: g.popupSettings,
      active: g.active,
      createdAt: g.createdAt.toISOString(),
      updatedAt: g.updatedAt.toISOString(),
    };
  }
}

export class GroupPageDto {
  @ApiProperty({ type: [GroupResponseDto] }) items!: GroupResponseDto[];
  @ApiProperty() total!: number;
}

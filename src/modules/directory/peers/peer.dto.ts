import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import {
  DIAL_INTERFACE,
  OptionalNotNull,
  EXTENSION,
  ONE_LINE,
  PageQueryDto,
  queryBoolean,
  SIP_HEADER,
  STATE_INTERFACE,
  TRUNK,
} from '../directory-validation.js';
import type { Peer } from './peer.entity.js';

export class CreatePeerDto {
  @ApiProperty({ description: 'Our user id, or the CRM externalRef of the user', example: 'crm-user-17' })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  userId!: string;

  @ApiPropertyOptional({ description: 'PBX id or name; the default PBX when absent' })
  @OptionalNotNull()
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  pbxId?: string;

  @ApiProperty({ example: '1001' })
  @Matches(EXTENSION, { message: 'extension may hold 1 to 32 letters, digits and * # + _ . -' })
  @IsString()
  extension!: string;

  @ApiProperty({ example: 'PJSIP/1001', description: 'What a queue rings: `TECH/resource`' })
  @Matches(DIAL_INTERFACE, {
    message: 'dialInterface must look like TECH/resource (PJSIP/1001, Local/1001@phones/n)',
  })
  @MaxLength(255)
  @IsString()
  dialInterface!: string;

  @ApiPropertyOptional({
    example: 'Custom:1001',
    description: 'Device state the queue follows; the dial interface when absent',
  })
  @OptionalNotNull()
  @Matches(STATE_INTERFACE, { message: 'stateInterface must look like TECH/resource or Custom:name' })
  @MaxLength(255)
  @IsString()
  stateInterface?: string;

  @ApiPropertyOptional({
    example: 'PJSIP/{number}@trunk',
    description: "Click-to-call trunk; the PBX's default trunk when absent",
  })
  @OptionalNotNull()
  @Matches(TRUNK, { message: 'trunk must be a dial string such as PJSIP/{number}@trunk' })
  @MaxLength(255)
  @IsString()
  trunk?: string;

  @ApiPropertyOptional({
    example: '"Alice" <1001>',
    description: 'Click-to-call caller ID; the extension when absent',
  })
  @OptionalNotNull()
  @Matches(ONE_LINE, { message: 'callerId must be one line of text' })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  callerId?: string;

  @ApiPropertyOptional({ example: 'Call-Info: <sip:127.0.0.1>;answer-after=0' })
  @OptionalNotNull()
  @Matches(SIP_HEADER, { message: 'autoAnswerHeader must be one "Name: value" header' })
  @MaxLength(255)
  @IsString()
  autoAnswerHeader?: string;

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

/** Owner and PBX are fixed: move a phone by deleting it and creating another. */
export class UpdatePeerDto {
  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(EXTENSION, { message: 'extension may hold 1 to 32 letters, digits and * # + _ . -' })
  @IsString()
  extension?: string;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @Matches(DIAL_INTERFACE, {
    message: 'dialInterface must look like TECH/resource (PJSIP/1001, Local/1001@phones/n)',
  })
  @MaxLength(255)
  @IsString()
  dialInterface?: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @Matches(STATE_INTERFACE, { message: 'stateInterface must look like TECH/resource or Custom:name' })
  @MaxLength(255)
  @IsString()
  stateInterface?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @Matches(TRUNK, { message: 'trunk must be a dial string such as PJSIP/{number}@trunk' })
  @MaxLength(255)
  @IsString()
  trunk?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @Matches(ONE_LINE, { message: 'callerId must be one line of text' })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  callerId?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @Matches(SIP_HEADER, { message: 'autoAnswerHeader must be one "Name: value" header' })
  @MaxLength(255)
  @IsString()
  autoAnswerHeader?: string | null;

  @ApiPropertyOptional()
  @OptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

export class PeerQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  userId?: string;

  @ApiPropertyOptional({ description: 'PBX id or name' })
  @IsOptional()
  @MaxLength(64)
  @IsString()
  pbxId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(EXTENSION)
  @IsString()
  extension?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  active?: boolean;
}

export class PeerResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() pbxId!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() extension!: string;
  @ApiProperty() dialInterface!: string;
  @ApiProperty({ nullable: true, type: String }) stateInterface!: string | null;
  @ApiProperty({ nullable: true, type: String }) trunk!: string | null;
  @ApiProperty({ nullable: true, type: String }) callerId!: string | null;
  @ApiProperty({ nullable: true, type: String }) autoAnswerHeader!: string | null;
  @ApiProperty() active!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(p: Peer): PeerResponseDto {
    return {
      id: p.id,
      pbxId: p.pbxId,
      userId: p.userId,
      extension: p.extension,
      dialInterface: p.dialInterface,
      stateInterface: p.stateInterface,
      trunk: p.trunk,
      callerId: p.callerId,
      autoAnswerHeader: p.autoAnswerHeader,
      active: p.active,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}

export class PeerPageDto {
  @ApiProperty({ type: [PeerResponseDto] }) items!: PeerResponseDto[];
  @ApiProperty() total!: number;
}

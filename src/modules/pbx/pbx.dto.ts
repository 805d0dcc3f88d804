import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { PBX_SOURCES, type Pbx, type PbxSource } from './pbx.entity.js';

export class CreatePbxDto {
  @ApiProperty({ example: 'moscow' })
  @Matches(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'name may hold letters, digits, - and _' })
  @MaxLength(64)
  @IsString()
  name!: string;

  @ApiProperty({ example: '10.0.0.5' })
  @MaxLength(255)
  @IsNotEmpty()
  @IsString()
  amiHost!: string;

  @ApiPropertyOptional({ default: 5038 })
  @IsOptional()
  @Max(65535)
  @Min(1)
  @IsInt()
  amiPort?: number;

  @ApiProperty()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  amiUsername!: string;

  @ApiProperty({ writeOnly: true })
  @MaxLength(255)
  @IsNotEmpty()
  @IsString()
  amiSecret!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(64)
  @IsString()
  region?: string;

  @ApiPropertyOptional({ example: 'PJSIP/{number}@trunk' })
  @IsOptional()
  @MaxLength(255)
  @IsString()
  defaultTrunk?: string;

  @ApiPropertyOptional({ description: 'Make this the default PBX' })
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;
}

export class UpdatePbxDto {
  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(255)
  @IsNotEmpty()
  @IsString()
  amiHost?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Max(65535)
  @Min(1)
  @IsInt()
  amiPort?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  amiUsername?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @MaxLength(255)
  @IsNotEmpty()
  @IsString()
  amiSecret?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(64)
  @IsString()
  region?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(255)
  @IsString()
  defaultTrunk?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isDefault?: boolean;
}

/** A PBX as the API shows it: never the secret, only whether one is set. */
export class PbxResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() amiHost!: string;
  @ApiProperty() amiPort!: number;
  @ApiProperty() amiUsername!: string;
  @ApiProperty() hasSecret!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ nullable: true, type: String }) defaultTrunk!: string | null;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty({ enum: PBX_SOURCES }) source!: PbxSource;

  static from(p: Pbx, secretFromSettings = false): PbxResponseDto {
    return {
      id: p.id,
      name: p.name,
      amiHost: p.amiHost,
      amiPort: p.amiPort,
      amiUsername: p.amiUsername,
      hasSecret: p.amiSecret !== null || secretFromSettings,
      enabled: p.enabled,
      region: p.region,
      defaultTrunk: p.defaultTrunk,
      isDefault: p.isDefault,
      source: p.source,
    };
  }
}

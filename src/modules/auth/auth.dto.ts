import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { UserResponseDto } from '../users/user.dto.js';
import { API_KEY_ROLES, type ApiKey, type ApiKeyRole } from './api-key.entity.js';

export class IssueTokenDto {
  @ApiProperty({ description: "Our user id, or the CRM's externalRef of the user" })
  @MaxLength(128)
  @IsNotEmpty()
  @IsString()
  userId!: string;
}

export class TokenResponseDto {
  @ApiProperty() token!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ type: UserResponseDto }) user!: UserResponseDto;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CRM backend' })
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;
}

export class ApiKeyResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: API_KEY_ROLES }) role!: ApiKeyRole;
  @ApiProperty({ description: 'First characters of the key' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;

  static from(k: ApiKey): ApiKeyResponseDto {
    return {
      id: k.id,
      name: k.name,
      role: k.role,
      prefix: k.prefix,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyResponseDto {
  @ApiProperty({ description: 'The key itself; shown only in this answer' }) key!: string;
}

import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { UserResponseDto } from '../users/user.dto.js';
import {
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  IssueTokenDto,
  TokenResponseDto,
} from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';
import { CurrentPrincipal, Roles } from './roles.decorator.js';

@ApiTags('auth')
@ApiSecurity('api-key')
@Controller('api/v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('auth/token')
  @Roles('admin', 'service')
  @ApiOperation({
    summary: 'A short-lived token for one user, asked for by the CRM backend with its API key',
  })
  async token(@Body() dto: IssueTokenDto): Promise<TokenResponseDto> {
    const { token, expiresAt, user } = await this.auth.issueToken(dto.userId);
    return { token, expiresAt: expiresAt.toISOString(), user: UserResponseDto.from(user) };
  }

  @Get('auth/me')
  @ApiOperation({ summary: 'Who the credentials belong to' })
  me(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Post('api-keys')
  @Roles('admin')
  @ApiOperation({ summary: 'Create an API key (the key is shown only in this answer)' })
  async createKey(@Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { row, key } = await this.auth.createApiKey(dto.name, dto.role);
    return { ...ApiKeyResponseDto.from(row), key };
  }

  @Get('api-keys')
  @Roles('admin')
  async listKeys(): Promise<ApiKeyResponseDto[]> {
    return (await this.auth.listApiKeys()).map(ApiKeyResponseDto.from);
  }

  @Delete('api-keys/:id')
  @Roles('admin')
  @HttpCode(204)
  async revokeKey(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.auth.revokeApiKey(id);
  }
}

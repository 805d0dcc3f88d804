import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { ApiKey, type ApiKeyRole } from './api-key.entity.js';
import { ApiKeyVerdicts } from './api-key-verdicts.js';
import { settingOrGeneratedSecret } from './auth-secrets.js';
import type { Principal } from './principal.js';

/** API keys are recognisable by their prefix, so one Authorization header can carry either kind. */
export const API_KEY_PREFIX = 'sbk_';
const JWT_ALGORITHM = 'HS256';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface AccessTokenClaims {
  sub: string;
  typ: 'access';
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger(AuthService.name);
  private bootstrapKeyHash!: Buffer;
  private jwtSecret!: string;
  private readonly keyVerdicts = new ApiKeyVerdicts();

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    @InjectRepository(ApiKey) private readonly apiKeys: Repository<ApiKey>,
  ) {}

  onModuleInit(): void {
    const admin = settingOrGeneratedSecret(
      this.config.auth.adminApiKey,
      join(this.config.dataDir, 'admin-api-key'),
      API_KEY_PREFIX,
    );
    if (admin.generatedFile) {
      this.logger.warn(
        { file: admin.generatedFile },
        'ADMIN_API_KEY is not set: using the generated key kept in this file',
      );
    }
    this.bootstrapKeyHash = Buffer.from(sha256(admin.value), 'hex');
    const jwt = settingOrGeneratedSecret(this.config.auth.jwtSecret, join(this.config.dataDir, 'jwt-secret'));
    if (jwt.generatedFile) {
      this.logger.warn(
        { file: jwt.generatedFile },
        'JWT_SECRET is not set: using a generated one (set it when running several instances)',
      );
    }
    this.jwtSecret = jwt.value;
  }

  /** Resolves the caller from an API key or a bearer token; throws UNAUTHENTICATED. */
  async authenticate(apiKey: string | undefined, bearer: string | undefined): Promise<Principal> {
    const key = apiKey ?? (bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined);
    if (key) return this.authenticateApiKey(key);
    if (bearer) return this.authenticateToken(bearer);
    throw new AppError(
      ErrorCode.UNAUTHENTICATED,
      'Authentication required: X-API-Key or Authorization: Bearer <token>',
    );
  }

  private async authenticateApiKey(key: string): Promise<Principal> {
    const hash = sha256(key);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), this.bootstrapKeyHash)) {
      return { kind: 'api-key', role: 'admin', keyId: 'bootstrap' };
    }
    const verdict = await this.keyVerdicts.verify(hash, async () => {
      const row = await this.apiKeys.findOneBy({ keyHash: hash, revokedAt: IsNull() });
      return row ? { kind: 'api-key', role: row.role, keyId: row.id } : null;
    });
    if (verdict.kind === 'found') return verdict.principal;
    if (verdict.kind === 'unknown')
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Unknown or revoked API key');
    this.logger.warn({ reason: verdict.reason }, 'API key not checked: the database is unavailable');
    throw new AppError(ErrorCode.UNAVAILABLE, 'Cannot check the API key now: the database is unavailable');
  }

  private async authenticateToken(token: string): Promise<Principal> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, {
        secret: this.jwtSecret,
        algorithms: [JWT_ALGORITHM],
      });
    } catch (e) {
      const reason = (e as Error).name === 'TokenExpiredError' ? 'Token expired' : 'Invalid token';
      throw new AppError(ErrorCode.UNAUTHENTICATED, reason);
    }
    if (claims.typ !== 'access' || typeof claims.sub !== 'string') {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid token');
    }
    const user = await this.users.findByIdOrExternalRef(claims.sub);
    if (!user || !user.active || user.id !== claims.sub) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'User unknown or inactive');
    }
    return { kind: 'user', role: user.role, userId: user.id, displayName: user.displayName };
  }

  /** Verifies a token without touching the database: for long-lived sockets re-checking expiry. */
  tokenExpiry(token: string): Date | undefined {
    const decoded = this.jwt.decode<{ exp?: number } | null>(token);
    return decoded?.exp ? new Date(decoded.exp * 1000) : undefined;
  }

  /** The OFBiz externalLoginKey idea: the CRM backend asks for a short-lived token for one of its users. */
  async issueToken(userRef: string): Promise<{ token: string; expiresAt: Date; user: User }> {
    const user = await this.users.findByIdOrExternalRef(userRef);
    if (!user) throw AppError.notFound('User', userRef);
    if (!user.active) throw new AppError(ErrorCode.FORBIDDEN, `User ${userRef} is inactive`);
    const ttl = this.config.auth.jwtTtlSeconds;
    const token = await this.jwt.signAsync({ typ: 'access' } satisfies Omit<AccessTokenClaims, 'sub'>, {
      secret: this.jwtSecret,
      algorithm: JWT_ALGORITHM,
      subject: user.id,
      expiresIn: ttl,
    });
    const expiresAt = new Date((this.jwt.decode<{ exp: number }>(token).exp ?? 0) * 1000);
    return { token, expiresAt, user };
  }

  async createApiKey(name: string, role: ApiKeyRole): Promise<{ row: ApiKey; key: string }> {
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.apiKeys.save(
      this.apiKeys.create({ name, role, prefix: key.slice(0, 12), keyHash: sha256(key), revokedAt: null }),
    );
    return { row, key };
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.apiKeys.find({ order: { createdAt: 'ASC' } });
  }

  async revokeApiKey(id: string): Promise<void> {
    const res = await this.apiKeys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!res.affected) throw AppError.notFound('API key', id);
    this.keyVerdicts.forgetKeyId(id);
  }
}

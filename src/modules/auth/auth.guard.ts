import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { AuthService } from './auth.service.js';
import type { Principal, Role } from './principal.js';
import { PUBLIC_KEY, ROLES_KEY } from './roles.decorator.js';

/** Reads X-API-Key / Authorization: Bearer from an HTTP request. */
export function credentialsOf(req: Pick<Request, 'headers'>): { apiKey?: string; bearer?: string } {
  const apiKey = req.headers['x-api-key'];
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' && /^Bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
  return { apiKey: typeof apiKey === 'string' && apiKey ? apiKey : undefined, bearer: bearer || undefined };
}

/** Global guard: every route needs a principal unless marked @Public(); @Roles narrows who. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true; // sockets authenticate in their own middleware
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const { apiKey, bearer } = credentialsOf(req);
    const principal = await this.auth.authenticate(apiKey, bearer);
    req.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new AppError(ErrorCode.FORBIDDEN, `This needs one of the roles: ${roles.join(', ')}`);
    }
    return true;
  }
}

import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, Role } from './principal.js';

export const ROLES_KEY = 'switchboard:roles';
export const PUBLIC_KEY = 'switchboard:public';

/** Which roles may call a controller or route. Without it, any authenticated caller may. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** Answers without authentication. Only /health uses it. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The authenticated caller, set by the AuthGuard. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);

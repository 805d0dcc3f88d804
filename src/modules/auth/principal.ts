import type { UserRole } from '../users/user.entity.js';
import type { ApiKeyRole } from './api-key.entity.js';

export type Role = UserRole | ApiKeyRole;

/** Who is calling: a server with an API key, or a person with a token the CRM obtained for them. */
export type Principal =
  | { kind: 'api-key'; role: ApiKeyRole; keyId: string }
  | { kind: 'user'; role: UserRole; userId: string; displayName: string };

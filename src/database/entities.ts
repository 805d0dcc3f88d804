import { ApiKey } from '../modules/auth/api-key.entity.js';
import { Pbx } from '../modules/pbx/pbx.entity.js';
import { User } from '../modules/users/user.entity.js';

/** Every entity, for the data source and the migration generator. */
export const ENTITIES = [User, ApiKey, Pbx];

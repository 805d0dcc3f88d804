import { ApiKey } from '../modules/auth/api-key.entity.js';
import { CommEvent } from '../modules/calls/comm-events/comm-event.entity.js';
import { ContactPhone } from '../modules/contacts/contact-phone.entity.js';
import { Contact } from '../modules/contacts/contact.entity.js';
import { AuditEntry } from '../modules/directory/audit/audit-entry.entity.js';
import { GroupNumber } from '../modules/directory/groups/group-number.entity.js';
import { Group } from '../modules/directory/groups/group.entity.js';
import { Membership } from '../modules/directory/members/membership.entity.js';
import { Peer } from '../modules/directory/peers/peer.entity.js';
import { QueueRemoval } from '../modules/directory/sync/queue-removal.entity.js';
import { Callback } from '../modules/operator/callbacks/callback.entity.js';
import { Pbx } from '../modules/pbx/pbx.entity.js';
import { User } from '../modules/users/user.entity.js';

/** Every entity, for the data source and the migration generator. */
export const ENTITIES = [
  User,
  ApiKey,
  Pbx,
  Peer,
  Group,
  GroupNumber,
  Membership,
  AuditEntry,
  QueueRemoval,
  Contact,
  ContactPhone,
  Callback,
  CommEvent,
];

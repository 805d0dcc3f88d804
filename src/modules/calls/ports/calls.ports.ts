/**
 * What the calls module needs from the directory and from contacts, as small ports. Whoever owns
 * the data provides the token anywhere in the app, by its Symbol.for key: the directory module
 * binds CALLS_AGENT_DIRECTORY and CALLS_SUPERVISION to DirectoryService
 * (directory/directory-ports.binding.ts), the contacts module CALLS_CONTACT_MATCHER to
 * ContactsService (contacts/contacts-ports.binding.ts). The calls module finds them at bootstrap
 * (see CallsPorts) and works without them: agent user ids and contact ids stay null, supervisors
 * see only their own calls.
 */

import type { PbxExtension } from '../../../common/pbx-extension.js';

export { extensionKey, type PbxExtension } from '../../../common/pbx-extension.js';

export const CALLS_AGENT_DIRECTORY = Symbol.for('switchboard.calls.agent-directory');
export const CALLS_CONTACT_MATCHER = Symbol.for('switchboard.calls.contact-matcher');
export const CALLS_SUPERVISION = Symbol.for('switchboard.calls.supervision');

/** extension -> user, from the directory's peers (one query for a whole batch). */
export interface AgentDirectory {
  /** The user owning each (PBX, extension); keys of the answer are `${pbxId}\n${extension}`. Unknown ones are absent. */
  usersByExtension(keys: readonly PbxExtension[]): Promise<Map<string, string>>;
}

/** number -> contact (one query for a whole batch). */
export interface ContactMatcher {
  /** The best contact for each raw number (caller id, dialled number); unknown numbers are absent. */
  matchNumbers(numbers: readonly string[]): Promise<Map<string, string>>;
}

export interface SupervisedScope {
  /** Queues of the groups the user supervises. */
  readonly queues: readonly { readonly pbxId: string; readonly queue: string }[];
  /** Members (agents) of those groups. */
  readonly userIds: readonly string[];
}

/** Who a supervisor oversees, from the directory's groups and memberships. */
export interface Supervision {
  groupsSupervisedBy(userId: string): Promise<SupervisedScope>;
}

import type { Principal } from '../../auth/principal.js';
import type { PreviousCall } from '../../../client/operator-protocol.js';

/**
 * What the operator gateway needs from the directory and from the call history, as small ports
 * (the same pattern as the calls module's ports). OperatorPorts binds each to its provider at
 * bootstrap: OPERATOR_DIRECTORY is provided by the directory module over DirectoryService
 * (directory/directory-ports.binding.ts, by this Symbol.for key); the history is the token when
 * someone provides it, else the adapter in ./comm-events-adapter.ts over the calls module.
 */

export const OPERATOR_DIRECTORY = Symbol.for('switchboard.operator.directory');
export const OPERATOR_COMM_EVENTS = Symbol.for('switchboard.operator.comm-events');

/** A user's phone as click-to-call and Answer use it. */
export interface OperatorPeer {
  pbxId: string;
  extension: string;
  /** What a queue rings and what click-to-call originates (`Local/1001@phones/n`, `PJSIP/1001`). */
  dialInterface: string;
  /** Dial-string template for click-to-call (`PJSIP/{number}@trunk`), else null (the PBX default applies). */
  trunk: string | null;
  callerId: string | null;
}

export interface OperatorMembership {
  groupId: string;
  name: string;
  pbxId: string;
  queue: string;
  active: boolean;
  role: 'member' | 'supervisor';
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
}

export interface OperatorDirectory {
  /** The user owning each (PBX, extension); keys of the answer are `${pbxId}\n${extension}`. */
  usersByExtension(keys: readonly { pbxId: string; extension: string }[]): Promise<Map<string, string>>;
  /**
   * The phone the user takes calls on (the one they are available on, else their first active
   * one: still their phone for click-to-call when paused or logged off), null when none.
   */
  peerOfUser(userId: string, pbxId?: string): Promise<OperatorPeer | null>;
  groupsOfUser(userId: string): Promise<OperatorMembership[]>;
  /** Users supervising a group the user belongs to. */
  supervisorsOfUser(userId: string): Promise<string[]>;
  /** The group answering a queue of a PBX, for group call-back tasks; null when none. */
  groupOfQueue(pbxId: string, queue: string): Promise<{ groupId: string; name: string } | null>;
  /** Pause or unpause the user in every group they are logged in to (directory, Asterisk and audit log agree). */
  setPaused(actor: Principal, userId: string, paused: boolean, reason: string | undefined): Promise<void>;
  /**
   * Calls `fn` when users' peers or memberships changed, on any instance (null: anything may have
   * changed); answers the unsubscribe.
   */
  onUsersChanged(fn: (users: readonly string[] | null) => void): () => void;
  /**
   * How long an answer read here may be kept: long while onUsersChanged hears every change (the
   * directory's LISTEN connection is up), else `unheardMs`.
   */
  cacheTtlMs(unheardMs: number): number;
}

export interface OperatorCommEvents {
  /**
   * The CommEvent id of a call (by PBX and Linkedid; the customer's number is informative); null
   * when it is not written (yet) after waiting up to waitMs.
   */
  idOf(
    call: { pbxId: string; linkedid: string; number: string | null },
    waitMs: number,
  ): Promise<string | null>;
  /** Completed calls of this number (either party), newest first. */
  previousCalls(number: string, limit: number): Promise<PreviousCall[]>;
}

export { extensionKey } from '../../../common/pbx-extension.js';

import type { Provider } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import { DirectoryChanges } from './directory-changes.js';
import { DirectoryService } from './directory.service.js';
import type { PbxExtension } from '../../common/pbx-extension.js';

/*
 * The ports other modules read the directory through, bound here to DirectoryService by their
 * Symbol.for keys so that neither side imports the other's files. Each object below has its
 * port's shape (the ports are defined by their readers):
 * - ROUTING_DIRECTORY: FastAGI routing (src/modules/agi/routing-directory.port.ts; undefined, not
 *   null, for "none"); AgiModule injects it, so it is exported.
 * - CALLS_AGENT_DIRECTORY, CALLS_SUPERVISION: the calls module (src/modules/calls/ports/calls.ports.ts).
 * - OPERATOR_DIRECTORY: the operator gateway (src/modules/operator/ports/operator-ports.ts).
 * The calls and operator modules find theirs at bootstrap (ModuleRef, strict: false).
 */
export const ROUTING_DIRECTORY = Symbol.for('switchboard.agi.routing-directory');
export const CALLS_AGENT_DIRECTORY = Symbol.for('switchboard.calls.agent-directory');
export const CALLS_SUPERVISION = Symbol.for('switchboard.calls.supervision');
export const OPERATOR_DIRECTORY = Symbol.for('switchboard.operator.directory');

export const directoryPortProviders: Provider[] = [
  {
    provide: ROUTING_DIRECTORY,
    inject: [DirectoryService],
    useFactory: (directory: DirectoryService) => ({
      async availablePeerForUser(userId: string, pbxId?: string) {
        const peer = await directory.availablePeerForUser(userId, pbxId);
        return peer ? { extension: peer.extension, dialInterface: peer.dialInterface } : undefined;
      },
      async queueForDid(did: string, pbxId?: string) {
        return (await directory.queueForDid(did, pbxId))?.queue;
      },
    }),
  },
  {
    provide: CALLS_AGENT_DIRECTORY,
    inject: [DirectoryService],
    useFactory: (directory: DirectoryService) => ({
      usersByExtension: (keys: readonly PbxExtension[]) => directory.usersByExtension(keys),
    }),
  },
  {
    provide: CALLS_SUPERVISION,
    inject: [DirectoryService],
    useFactory: (directory: DirectoryService) => ({
      groupsSupervisedBy: (userId: string) => directory.groupsSupervisedBy(userId),
    }),
  },
  {
    provide: OPERATOR_DIRECTORY,
    inject: [DirectoryService, DirectoryChanges],
    useFactory: (directory: DirectoryService, changes: DirectoryChanges) => ({
      usersByExtension: (keys: readonly PbxExtension[]) => directory.usersByExtension(keys),
      async peerOfUser(userId: string, pbxId?: string) {
        const p = await directory.peerOfUser(userId, pbxId);
        return p
          ? {
              pbxId: p.pbxId,
              extension: p.extension,
              dialInterface: p.dialInterface,
              trunk: p.trunk,
              callerId: p.callerId,
            }
          : null;
      },
      groupsOfUser: (userId: string) => directory.groupsOfUser(userId),
      async supervisorsOfUser(userId: string) {
        return (await directory.supervisorsOfUser(userId)).map((s) => s.userId);
      },
      groupOfQueue: (pbxId: string, queue: string) => directory.groupOfQueue(pbxId, queue),
      setPaused: (actor: Principal, userId: string, paused: boolean, reason: string | undefined) =>
        directory.setPausedEverywhere(actor, userId, paused, reason),
      onUsersChanged: (fn: (users: readonly string[] | null) => void) => changes.onChange(fn),
      cacheTtlMs: (unheardMs: number) => changes.cacheTtlMs(unheardMs),
    }),
  },
];

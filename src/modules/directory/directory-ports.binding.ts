import type { Provider } from '@nestjs/common';
import { DirectoryService } from './directory.service.js';

/**
 * The FastAGI routing port (src/modules/agi/routing-directory.port.ts, ROUTING_DIRECTORY), bound
 * here by its Symbol.for key so that neither module imports the other's files; the object below
 * has the port's shape (undefined, not null, for "none").
 */
export const ROUTING_DIRECTORY = Symbol.for('switchboard.agi.routing-directory');

export const routingDirectoryProvider: Provider = {
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
};

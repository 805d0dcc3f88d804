import type { DirectoryService } from '../directory/directory.service.js';
import type { RoutingDirectory } from './routing-directory.port.js';

/** The routing port over the directory module's public service. */
export function directoryRoutingAdapter(directory: DirectoryService): RoutingDirectory {
  return {
    async availablePeerForUser(userId, pbxId) {
      const peer = await directory.availablePeerForUser(userId, pbxId);
      return peer ? { extension: peer.extension, dialInterface: peer.dialInterface } : undefined;
    },
    async queueForDid(did, pbxId) {
      return (await directory.queueForDid(did, pbxId))?.queue;
    },
  };
}

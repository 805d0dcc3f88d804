/**
 * What FastAGI routing needs from the call-center directory (peers, groups, memberships), as a
 * port: the routing code depends on this interface; the directory module provides it over
 * DirectoryService by this Symbol.for key (directory/directory-ports.binding.ts) and exports it
 * to AgiModule, which imports DirectoryModule.
 */
export const ROUTING_DIRECTORY = Symbol.for('switchboard.agi.routing-directory');

export interface RoutingPeer {
  /** What the dialplan dials: `1003` in `Dial(Local/${CRM_EXTEN}@phones)`. */
  readonly extension: string;
  /** The peer's dial interface, e.g. `PJSIP/1003` or `Local/1003@phones/n`. */
  readonly dialInterface: string;
}

export interface RoutingDirectory {
  /**
   * A phone the user can take a call on now on this PBX (any PBX when pbxId is undefined), or
   * undefined when they are logged off, paused, inactive or unknown: never route to those.
   */
  availablePeerForUser(userId: string, pbxId?: string): Promise<RoutingPeer | undefined>;
  /** The queue of the active group that answers this DID on this PBX, or undefined. */
  queueForDid(did: string, pbxId?: string): Promise<string | undefined>;
}

/**
 * Live agent state the directory joins into `GET /api/v1/groups/:id/members`. The calls module
 * provides it (from its call tracker) under this token, anywhere in the app: the directory looks
 * it up lazily and answers `live: null` while nobody provides it.
 *
 *   { provide: DIRECTORY_LIVE_STATE, useFactory: (calls) => trackerLiveState((pbxId) => calls.trackerOf(pbxId)), inject: [...] }
 */
export const DIRECTORY_LIVE_STATE = Symbol.for('switchboard.directory.live-state');

export interface LiveCallSummary {
  linkedid: string;
  direction: string;
  /** Caller number (inbound) or the agent's own number (outbound), as Asterisk had it. */
  fromNumber: string | null;
  toNumber: string | null;
  queue: string | null;
  startedAt: Date;
  answeredAt: Date | null;
}

export interface LiveQueueMember {
  /** The member interface (`Local/1001@phones/n`); matched to the directory ignoring case. */
  interface: string;
  /** Device state: `not_in_use`, `ringing`, `in_use`, `on_hold`, `unavailable`, `unknown`. */
  status: string;
  paused: boolean;
  pausedReason: string | null;
  callsTaken: number;
  inCall: boolean;
  lastCallAt: Date | null;
  currentCall: LiveCallSummary | null;
  updatedAt: Date;
}

export interface DirectoryLiveState {
  /** The members of one queue of one PBX as the live model knows them now. */
  queueMembers(pbxId: string, queue: string): readonly LiveQueueMember[];
}

/**
 * The operator protocol: what the Socket.IO namespace `/operator` sends and accepts. One file shared
 * by the server (src/modules/operator) and the typed client (operator-client.ts), so the two cannot
 * drift. Types and constants only: no imports, no runtime dependencies.
 */

export const OPERATOR_NAMESPACE = '/operator';

/** Error codes an acknowledgement or a connect_error can carry (the server's ErrorCode values). */
export type OperatorErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'PBX_UNAVAILABLE'
  | 'PBX_REJECTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface OperatorError {
  code: OperatorErrorCode;
  message: string;
  details?: { field?: string; message: string }[];
}

/** The handshake `auth` payload. The token never goes in the URL. */
export interface OperatorHandshakeAuth {
  /** A user token from POST /api/v1/auth/token. */
  token: string;
  /** The last `seq` this user's client saw: the server sends what came after it, or a snapshot. */
  lastSeq?: number;
}

// ------------------------------------------------------------------------------------- events

/** Every event to the browser carries the user's own sequence number (strictly increasing, from 1). */
export interface Sequenced {
  seq: number;
  /** When the server produced the event (ISO 8601). */
  at: string;
}

export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallOutcome = 'answered' | 'abandoned' | 'missed' | 'no_answer' | 'busy' | 'failed';
export type RetractReason = 'answered-elsewhere' | 'caller-hungup' | 'no-answer' | 'cancelled';
export type PresenceStatus = 'not_in_use' | 'ringing' | 'in_use' | 'on_hold' | 'unavailable' | 'unknown';

/** A contact matched by the caller's number, best match first. */
export interface ContactCard {
  contactId: string;
  displayName: string;
  company: string | null;
  kind: string;
  /** The contact's own profileUrl, else PARTY_PROFILE_URL filled in, else the group's template; null if none. */
  profileUrl: string | null;
  /** How the number matched: the same E.164, the same digits, or the same last digits. */
  match: string;
  responsibleUserId: string | null;
}

/** An earlier call of the same number (from comm_events), newest first. */
export interface PreviousCall {
  commEventId: string;
  startedAt: string;
  direction: CallDirection;
  outcome: CallOutcome;
  agentName: string | null;
  talkSeconds: number;
}

export interface CallOffered {
  callId: string;
  pbxId: string;
  direction: CallDirection;
  callerNumber: string | null;
  callerName: string | null;
  /** The number the caller dialled (DID), when known. */
  did: string | null;
  queue: string | null;
  /** This operator's extension that rings. */
  extension: string;
  offeredAt: string;
  /** How long the caller had waited when this phone started ringing, in seconds. */
  waitSeconds: number;
  /** When the caller started waiting (queue join, else call start), for a live counter. */
  waitingSince: string;
  contacts: ContactCard[];
  previousCalls: PreviousCall[];
}

export interface CallRetracted {
  callId: string;
  reason: RetractReason;
  /** Who took the call, when someone did. */
  answeredBy: { extension: string | null; name: string | null } | null;
}

export interface CallAnswered {
  callId: string;
  pbxId: string;
  direction: CallDirection;
  /** The agent who took it (the connected user for their own calls; an agent of theirs for a supervisor). */
  userId: string | null;
  extension: string | null;
  agentName: string | null;
  callerNumber: string | null;
  callerName: string | null;
  /** The other party's number: the caller for inbound calls, the dialled number for outbound ones. */
  remoteNumber: string | null;
  queue: string | null;
  answeredAt: string;
}

export interface CallTransferred {
  callId: string;
  kind: 'blind' | 'attended' | 'redirect';
  fromExtension: string | null;
  toExtension: string | null;
}

export interface CallEnded {
  callId: string;
  /** The CommEvent this call was recorded as (GET /api/v1/comm-events/:id); null when not (yet) known. */
  commEventId: string | null;
  outcome: CallOutcome;
  direction: CallDirection;
  userId: string | null;
  remoteNumber: string | null;
  startedAt: string;
  endedAt: string;
  waitSeconds: number;
  talkSeconds: number;
  recorded: boolean;
}

export interface MembershipStatus {
  groupId: string;
  group: string;
  pbxId: string;
  queue: string;
  role: 'member' | 'supervisor';
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
}

export interface AgentStatus {
  userId: string;
  displayName: string | null;
  extension: string | null;
  pbxId: string | null;
  /** Paused in every queue the agent is logged in to. */
  paused: boolean;
  pausedReason: string | null;
  presence: PresenceStatus | null;
  memberships: MembershipStatus[];
}

export interface QueueStats {
  pbxId: string;
  queue: string;
  waiting: number;
  longestWaitSeconds: number;
  /** When the longest-waiting caller started waiting, for a live counter; null when nobody waits. */
  oldestWaitingSince: string | null;
  completed: number | null;
  abandoned: number | null;
}

export type CallbackStatus = 'open' | 'closed';

export interface CallbackTask {
  id: string;
  status: CallbackStatus;
  number: string;
  contactId: string | null;
  contactName: string | null;
  /** Whose task it is: the contact's responsible user, or null when it belongs to the group. */
  assigneeUserId: string | null;
  groupId: string | null;
  reason: 'missed' | 'abandoned';
  callId: string;
  createdAt: string;
  closedAt: string | null;
  closedReason: 'called-back' | 'done' | null;
}

export type DialState = 'pending' | 'ringing-agent' | 'ringing-customer' | 'answered' | 'failed';

export interface DialProgress {
  dialId: string;
  number: string;
  state: DialState;
  /** Set once Asterisk has created the call. */
  callId: string | null;
  /** On failure: Asterisk's cause (OriginateResponse Reason, else the Q.850 hangup cause) and its text. */
  cause: number | null;
  causeText: string | null;
}

/** Sent instead of a replay when the gap is too old (and on a first connection): the state now. */
export interface Snapshot {
  agent: AgentStatus;
  /** Calls ringing for this operator now. */
  offers: CallOffered[];
  /** Calls this operator (or, for a supervisor, their agents) are on now. */
  calls: CallAnswered[];
  queues: QueueStats[];
  callbacks: CallbackTask[];
  /** True when events were lost (the replay buffer no longer held them). */
  gap: boolean;
}

/** Sent (without seq) right before the server closes the connection on purpose. */
export interface SessionNotice {
  code: 'SESSION_REPLACED' | 'TOKEN_EXPIRED' | 'SHUTDOWN';
  message: string;
}

/** Events that carry `seq` and are replayed after a reconnect. */
export interface SequencedEventMap {
  'call:offered': CallOffered;
  'call:retracted': CallRetracted;
  'call:answered': CallAnswered;
  'call:transferred': CallTransferred;
  'call:ended': CallEnded;
  'agent:status': AgentStatus;
  'queue:stats': QueueStats;
  'callback:created': CallbackTask;
  'callback:closed': CallbackTask;
  'dial:progress': DialProgress;
  snapshot: Snapshot;
}

export type SequencedEventName = keyof SequencedEventMap;

export type OperatorEvent<K extends SequencedEventName = SequencedEventName> = Sequenced &
  SequencedEventMap[K];

// ----------------------------------------------------------------------------------- commands

interface Idempotent {
  /** Chosen by the client, 8..100 characters `[A-Za-z0-9_.:-]`: a retry with the same key is not run twice. */
  idempotencyKey: string;
}

export interface CallAnswerCommand extends Idempotent {
  callId: string;
}
export interface CallDialCommand extends Idempotent {
  /** The number to call, as the operator typed it. */
  number: string;
  /** The PBX to call from (id or name); default: the operator's phone's PBX. */
  pbxId?: string;
}
export interface CallTransferCommand extends Idempotent {
  callId: string;
  /** An extension or a number. */
  to: string;
}
export interface CallHangupCommand extends Idempotent {
  callId: string;
}
export interface AgentPauseCommand extends Idempotent {
  reason: string;
}
export interface AgentUnpauseCommand extends Idempotent {
  reason?: string;
}
export interface AuthRefreshCommand {
  token: string;
}

export interface CommandMap {
  'call:answer': { command: CallAnswerCommand; result: { callId: string; extension: string } };
  'call:dial': { command: CallDialCommand; result: DialProgress };
  'call:transfer': { command: CallTransferCommand; result: { callId: string; to: string } };
  'call:hangup': { command: CallHangupCommand; result: { callId: string } };
  'agent:pause': { command: AgentPauseCommand; result: { agent: AgentStatus } };
  'agent:unpause': { command: AgentUnpauseCommand; result: { agent: AgentStatus } };
  'auth:refresh': { command: AuthRefreshCommand; result: { expiresAt: string } };
}

export type CommandName = keyof CommandMap;
export type CommandOf<K extends CommandName> = CommandMap[K]['command'];
export type ResultOf<K extends CommandName> = CommandMap[K]['result'];

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: OperatorError };

// ------------------------------------------------------------------- Socket.IO typed maps

export type ServerToClientEvents = {
  [K in SequencedEventName]: (event: OperatorEvent<K>) => void;
} & {
  'session:replaced': (notice: SessionNotice) => void;
  'session:expired': (notice: SessionNotice) => void;
  'session:closing': (notice: SessionNotice) => void;
};

export type ClientToServerEvents = {
  [K in CommandName]: (command: CommandOf<K>, ack: (result: Ack<ResultOf<K>>) => void) => void;
};

export const SEQUENCED_EVENTS: readonly SequencedEventName[] = [
  'call:offered',
  'call:retracted',
  'call:answered',
  'call:transferred',
  'call:ended',
  'agent:status',
  'queue:stats',
  'callback:created',
  'callback:closed',
  'dial:progress',
  'snapshot',
];

export const COMMANDS: readonly CommandName[] = [
  'call:answer',
  'call:dial',
  'call:transfer',
  'call:hangup',
  'agent:pause',
  'agent:unpause',
  'auth:refresh',
];

import type {
  AgentLeg,
  CallDirection,
  CallOutcome,
  CallRecord,
  CallStatus,
  LiveCall,
  Transfer,
} from '../tracker/index.js';
import type { StoredLeg, StoredTransfer } from './comm-event.entity.js';

/**
 * What the writer upserts for one call: the tracker's view of it at one moment, before the
 * per-batch lookups (agent user, contact, E.164) fill in the rest. Plain JSON apart from the three
 * Date fields, so it can sit in the journal file and come back (see `reviveDraft`).
 */
export interface CommEventDraft {
  pbxId: string;
  linkedid: string;
  direction: CallDirection;
  status: CallStatus;
  outcome: CallOutcome | null;
  fromNumber: string | null;
  fromName: string | null;
  toNumber: string | null;
  queue: string | null;
  agentExtension: string | null;
  agentName: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  waitSeconds: number | null;
  talkSeconds: number | null;
  hangupCause: number | null;
  hangupCauseText: string | null;
  recordingPath: string | null;
  transfers: StoredTransfer[];
  legs: StoredLeg[];
  legsDropped: number;
  variables: Record<string, string>;
  originateActionId: string | null;
  note: string | null;
}

/** Column widths of comm_events: longer values are cut, so that one odd call cannot fail a batch. */
const WIDTH = {
  linkedid: 150,
  number: 128,
  name: 256,
  queue: 128,
  extension: 32,
  causeText: 128,
  recordingPath: 1024,
  actionId: 128,
  note: 512,
} as const;

const RANK: Readonly<Record<CallStatus, number>> = { entered: 0, in_progress: 1, complete: 2 };

export function statusRank(status: CallStatus): number {
  return RANK[status];
}

/** Whether `next` may replace `prev` for the same call: a status never goes back. */
export function supersedes(next: CommEventDraft, prev: CommEventDraft): boolean {
  return RANK[next.status] >= RANK[prev.status];
}

export function draftKey(d: { pbxId: string; linkedid: string }): string {
  return `${d.pbxId}\n${d.linkedid}`;
}

function cut(s: string | null, width: number): string | null {
  return s === null || s.length <= width ? s : s.slice(0, width);
}

function leg(l: AgentLeg): StoredLeg {
  return {
    extension: cut(l.extension, WIDTH.extension),
    interface: l.interface,
    memberName: l.memberName,
    queue: l.queue,
    channel: l.channel,
    uniqueid: l.uniqueid,
    offeredAt: l.offeredAt.toISOString(),
    endedAt: l.endedAt === null ? null : l.endedAt.toISOString(),
    ringSeconds: l.ringSeconds,
    answered: l.answered,
    reason: l.reason,
  };
}

function transfer(t: Transfer): StoredTransfer {
  return { kind: t.kind, fromExtension: t.fromExtension, toExtension: t.toExtension, at: t.at.toISOString() };
}

function common(c: LiveCall | CallRecord) {
  return {
    pbxId: c.pbx,
    linkedid: cut(c.linkedid, WIDTH.linkedid)!,
    direction: c.direction,
    fromNumber: cut(c.fromNumber, WIDTH.number),
    fromName: cut(c.fromName, WIDTH.name),
    toNumber: cut(c.toNumber, WIDTH.number),
    queue: cut(c.queue, WIDTH.queue),
    agentExtension: cut(c.agentExtension, WIDTH.extension),
    agentName: cut(c.agentName, WIDTH.name),
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
    recordingPath: cut(c.recordingPath, WIDTH.recordingPath),
    transfers: c.transfers.map(transfer),
    legs: c.legs.map(leg),
    variables: { ...c.variables },
    originateActionId: cut(c.originateActionId, WIDTH.actionId),
  };
}

/** A call in progress (call.started: entered; call.answered: in_progress). */
export function draftFromLive(call: LiveCall): CommEventDraft {
  return {
    ...common(call),
    status: call.status,
    outcome: null,
    endedAt: null,
    waitSeconds: null,
    talkSeconds: null,
    hangupCause: null,
    hangupCauseText: null,
    legsDropped: 0,
    note: null,
  };
}

/** A finished call (call.ended). */
export function draftFromRecord(rec: CallRecord): CommEventDraft {
  return {
    ...common(rec),
    status: 'complete',
    outcome: rec.outcome,
    endedAt: rec.endedAt,
    waitSeconds: rec.waitSeconds,
    talkSeconds: rec.talkSeconds,
    hangupCause: rec.hangupCause,
    hangupCauseText: cut(rec.hangupCauseText, WIDTH.causeText),
    legsDropped: rec.legsDropped,
    note: cut(rec.note, WIDTH.note),
  };
}

/** The number that identifies the customer: the caller inbound, the dialled number outbound. */
export function customerNumber(d: CommEventDraft): string | null {
  if (d.direction === 'inbound') return d.fromNumber;
  if (d.direction === 'outbound') return d.toNumber;
  return null;
}

const STATUSES = new Set<string>(['entered', 'in_progress', 'complete']);

/** A draft read back from a journal line; undefined when the line is not one (a torn write). */
export function reviveDraft(line: string): CommEventDraft | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const d = v as Record<string, unknown>;
  if (typeof d.pbxId !== 'string' || typeof d.linkedid !== 'string' || typeof d.startedAt !== 'string')
    return undefined;
  if (typeof d.status !== 'string' || !STATUSES.has(d.status)) return undefined;
  const date = (x: unknown) => (typeof x === 'string' ? new Date(x) : null);
  const startedAt = new Date(d.startedAt);
  if (Number.isNaN(startedAt.getTime())) return undefined;
  return {
    ...(d as unknown as CommEventDraft),
    startedAt,
    answeredAt: date(d.answeredAt),
    endedAt: date(d.endedAt),
    transfers: Array.isArray(d.transfers) ? (d.transfers as StoredTransfer[]) : [],
    legs: Array.isArray(d.legs) ? (d.legs as StoredLeg[]) : [],
    variables:
      typeof d.variables === 'object' && d.variables !== null ? (d.variables as Record<string, string>) : {},
  };
}

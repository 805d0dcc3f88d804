/**
 * Pure reconciliation of one queue: what the directory wants (memberships and their phones)
 * against what Asterisk answered to QueueStatus. No I/O: the QueueSyncService runs the actions.
 */
import { header, type AmiMessage } from '../../../protocol/ami/ami-message.js';
import { interfaceKey } from '../did.util.js';

/** A `QueueMember` event of a QueueStatus answer. */
export interface AsteriskQueueMember {
  interface: string;
  name: string;
  stateInterface: string | null;
  /** `static` (queues.conf), `dynamic` (QueueAdd / AddQueueMember) or `realtime`. */
  membership: string;
  penalty: number;
  paused: boolean;
  pausedReason: string;
  callsTaken: number;
  inCall: boolean;
  /** Asterisk's device state number (AST_DEVICE_*): 1 not in use, 2 in use, 6 ringing... */
  status: number;
}

export interface QueueStatusView {
  /** False when Asterisk listed no QueueParams for the queue: it is not in queues.conf. */
  queueExists: boolean;
  members: AsteriskQueueMember[];
}

const int = (v: string | undefined) => {
  const n = Number.parseInt(v ?? '', 10);
  return Number.isNaN(n) ? 0 : n;
};

/** Reads the QueueParams / QueueMember events of a QueueStatus answer for one queue. */
export function parseQueueStatus(queue: string, events: readonly AmiMessage[]): QueueStatusView {
  let queueExists = false;
  const members: AsteriskQueueMember[] = [];
  for (const e of events) {
    if (header(e, 'queue') !== queue) continue;
    const name = header(e, 'event');
    if (name === 'QueueParams') queueExists = true;
    if (name !== 'QueueMember') continue;
    const iface = header(e, 'location') ?? header(e, 'interface');
    if (!iface) continue;
    members.push({
      interface: iface,
      name: header(e, 'name') ?? header(e, 'membername') ?? '',
      stateInterface: header(e, 'stateinterface') || null,
      membership: (header(e, 'membership') ?? 'dynamic').toLowerCase(),
      penalty: int(header(e, 'penalty')),
      paused: header(e, 'paused') === '1',
      pausedReason: header(e, 'pausedreason') ?? '',
      callsTaken: int(header(e, 'callstaken')),
      inCall: header(e, 'incall') === '1',
      status: int(header(e, 'status')),
    });
  }
  return { queueExists: queueExists || members.length > 0, members };
}

/** A membership of the group as the reconciler needs it. */
export interface DirectoryQueueMember {
  membershipId: string;
  userId: string;
  /** QueueAdd's MemberName. */
  displayName: string;
  loggedIn: boolean;
  paused: boolean;
  pausedReason: string | null;
  penalty: number;
  syncState: 'synced' | 'pending' | 'failed';
  /** The phone it logs in with; null when it has none (never logged in, or the peer was deleted). */
  dialInterface: string | null;
  stateInterface: string | null;
}

export type ReconcileAction =
  | { kind: 'add'; membershipId: string; fields: QueueAddFields }
  | { kind: 'remove'; interface: string; membershipId?: string }
  | { kind: 'pause'; membershipId: string; interface: string; paused: boolean; reason: string }
  | { kind: 'penalty'; membershipId: string; interface: string; penalty: number };

export interface QueueAddFields {
  Queue: string;
  Interface: string;
  MemberName: string;
  StateInterface?: string;
  Penalty: number;
  Paused: boolean;
  Reason?: string;
}

/**
 * - `missing`: logged in in the directory, absent from Asterisk (added).
 * - `mismatch`: present in both, but paused / reason / penalty differ (the directory's values are pushed).
 * - `stale`: logged off in the directory while Asterisk was unreachable, still in the queue (removed).
 * - `unknown`: a dynamic member the directory has not logged in (reported; removed when configured).
 */
export type DriftKind = 'missing' | 'mismatch' | 'stale' | 'unknown';
export const DRIFT_KINDS: readonly DriftKind[] = ['missing', 'mismatch', 'stale', 'unknown'];

export interface DriftItem {
  kind: DriftKind;
  interface: string;
  memberName: string;
  /** The directory user this interface belongs to, when it knows it. */
  userId: string | null;
  detail: string;
  /** What was done about it: an action, or `reported` when left as is. */
  action: 'add' | 'remove' | 'pause' | 'penalty' | 'pause+penalty' | 'reported';
}

export interface StaticMember {
  interface: string;
  memberName: string;
  membership: string;
  stateInterface: string | null;
  paused: boolean;
  /** The directory user whose phone this is, when one is. */
  userId: string | null;
}

export interface ReconcilePlan {
  actions: ReconcileAction[];
  drift: DriftItem[];
  /** queues.conf (and realtime) members: shown, never touched. */
  staticMembers: StaticMember[];
  /** Memberships Asterisk already matches: their pending/failed state can be cleared. */
  inStep: string[];
}

export function queueAddFields(queue: string, m: DirectoryQueueMember): QueueAddFields {
  const fields: QueueAddFields = {
    Queue: queue,
    Interface: m.dialInterface!,
    MemberName: m.displayName,
    Penalty: m.penalty,
    Paused: m.paused,
  };
  if (m.stateInterface) fields.StateInterface = m.stateInterface;
  if (m.paused && m.pausedReason) fields.Reason = m.pausedReason;
  return fields;
}

export function planReconciliation(
  queue: string,
  directory: readonly DirectoryQueueMember[],
  asterisk: readonly AsteriskQueueMember[],
  opts: { removeUnknown: boolean },
): ReconcilePlan {
  const plan: ReconcilePlan = { actions: [], drift: [], staticMembers: [], inStep: [] };
  const inAsterisk = new Map(asterisk.map((a) => [interfaceKey(a.interface), a]));
  const byInterface = new Map<string, DirectoryQueueMember>();
  for (const m of directory) if (m.dialInterface) byInterface.set(interfaceKey(m.dialInterface), m);

  for (const m of directory) {
    if (!m.loggedIn || !m.dialInterface) {
      const a = m.dialInterface ? inAsterisk.get(interfaceKey(m.dialInterface)) : undefined;
      if (!a || a.membership !== 'dynamic') plan.inStep.push(m.membershipId); // logged off on both sides
      continue;
    }
    const a = inAsterisk.get(interfaceKey(m.dialInterface));
    if (!a) {
      plan.actions.push({ kind: 'add', membershipId: m.membershipId, fields: queueAddFields(queue, m) });
      plan.drift.push({
        kind: 'missing',
        interface: m.dialInterface,
        memberName: m.displayName,
        userId: m.userId,
        detail: 'logged in in the directory, not a member of the queue',
        action: 'add',
      });
      continue;
    }
    if (a.membership !== 'dynamic') {
      plan.inStep.push(m.membershipId); // a queues.conf member: present, and not ours to change
      continue;
    }
    const wantReason = m.paused ? (m.pausedReason ?? '') : '';
    const pauseDiffers = a.paused !== m.paused || (m.paused && a.pausedReason !== wantReason);
    const penaltyDiffers = a.penalty !== m.penalty;
    if (!pauseDiffers && !penaltyDiffers) {
      plan.inStep.push(m.membershipId);
      continue;
    }
    const details: string[] = [];
    if (pauseDiffers) {
      details.push(
        `paused: asterisk ${a.paused ? `yes (${a.pausedReason || 'no reason'})` : 'no'}, directory ${m.paused ? `yes (${wantReason || 'no reason'})` : 'no'}`,
      );
      plan.actions.push({
        kind: 'pause',
        membershipId: m.membershipId,
        interface: a.interface,
        paused: m.paused,
        reason: wantReason,
      });
    }
    if (penaltyDiffers) {
      details.push(`penalty: asterisk ${a.penalty}, directory ${m.penalty}`);
      plan.actions.push({
        kind: 'penalty',
        membershipId: m.membershipId,
        interface: a.interface,
        penalty: m.penalty,
      });
    }
    plan.drift.push({
      kind: 'mismatch',
      interface: a.interface,
      memberName: a.name,
      userId: m.userId,
      detail: details.join('; '),
      action: pauseDiffers && penaltyDiffers ? 'pause+penalty' : pauseDiffers ? 'pause' : 'penalty',
    });
  }

  for (const a of asterisk) {
    const owner = byInterface.get(interfaceKey(a.interface));
    if (a.membership !== 'dynamic') {
      plan.staticMembers.push({
        interface: a.interface,
        memberName: a.name,
        membership: a.membership,
        stateInterface: a.stateInterface,
        paused: a.paused,
        userId: owner?.userId ?? null,
      });
      continue;
    }
    if (owner?.loggedIn) continue; // handled above
    if (owner && owner.syncState !== 'synced') {
      // logged off (or deleted) while the PBX was unreachable: finish it
      plan.actions.push({ kind: 'remove', interface: a.interface, membershipId: owner.membershipId });
      plan.drift.push({
        kind: 'stale',
        interface: a.interface,
        memberName: a.name,
        userId: owner.userId,
        detail: 'logged off in the directory while the PBX was unreachable',
        action: 'remove',
      });
      continue;
    }
    if (opts.removeUnknown) plan.actions.push({ kind: 'remove', interface: a.interface });
    plan.drift.push({
      kind: 'unknown',
      interface: a.interface,
      memberName: a.name,
      userId: owner?.userId ?? null,
      detail: owner
        ? 'a dynamic member whose user is logged off in the directory'
        : 'a dynamic member the directory does not know',
      action: opts.removeUnknown ? 'remove' : 'reported',
    });
  }
  return plan;
}

import type { DataSource } from 'typeorm';
import type { AmiMessage } from '../../../protocol/ami/ami-message.js';
import type { AgentLeg, LiveCall, OfferEndReason, TransferKind } from '../tracker/index.js';
import type { StoredLeg, StoredTransfer } from './comm-event.entity.js';

/** Most open rows read for one takeover (a PBX has far fewer calls in progress). */
const MAX_OPEN_ROWS = 5000;

interface OpenRow {
  linkedid: string;
  direction: LiveCall['direction'];
  status: LiveCall['status'];
  fromNumber: string | null;
  fromName: string | null;
  toNumber: string | null;
  queue: string | null;
  agentExtension: string | null;
  agentName: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  recordingPath: string | null;
  transfers: StoredTransfer[];
  legs: StoredLeg[];
  variables: Record<string, string>;
  originateActionId: string | null;
}

/**
 * The calls of a PBX whose CommEvent is still open (entered or in progress), as the last instance
 * that followed them wrote them: what a new ingester adopts when it takes a PBX over (or when the
 * app restarts during calls), so that their end is recorded on the same row.
 */
export async function readOpenCalls(ds: DataSource, pbxId: string): Promise<LiveCall[]> {
  const rows = (await ds.query(
    `SELECT linkedid, direction, status, from_number AS "fromNumber", from_name AS "fromName",
            to_number AS "toNumber", queue, agent_extension AS "agentExtension", agent_name AS "agentName",
            started_at AS "startedAt", answered_at AS "answeredAt", recording_path AS "recordingPath",
            transfers, legs, variables, originate_action_id AS "originateActionId"
       FROM comm_events
      WHERE pbx_id = $1 AND status <> 'complete'
      ORDER BY started_at DESC
      LIMIT ${MAX_OPEN_ROWS}`,
    [pbxId],
  )) as OpenRow[];
  return rows.map((r) => liveCallFromRow(pbxId, r));
}

function liveCallFromRow(pbxId: string, r: OpenRow): LiveCall {
  const legs: AgentLeg[] = (r.legs ?? []).map((l) => ({
    extension: l.extension,
    interface: l.interface,
    memberName: l.memberName,
    queue: l.queue,
    channel: l.channel,
    uniqueid: l.uniqueid,
    offeredAt: new Date(l.offeredAt),
    endedAt: l.endedAt === null ? null : new Date(l.endedAt),
    ringSeconds: l.ringSeconds,
    answered: l.answered,
    reason: l.reason as OfferEndReason | 'answered' | null,
  }));
  return {
    pbx: pbxId,
    linkedid: r.linkedid,
    direction: r.direction,
    status: r.status,
    fromNumber: r.fromNumber,
    fromName: r.fromName,
    toNumber: r.toNumber,
    queue: r.queue,
    agentExtension: r.agentExtension,
    agentInterface: legs.find((l) => l.answered)?.interface ?? null,
    agentName: r.agentName,
    startedAt: new Date(r.startedAt),
    queuedAt: r.queue !== null ? new Date(r.startedAt) : null,
    answeredAt: r.answeredAt === null ? null : new Date(r.answeredAt),
    legs,
    transfers: (r.transfers ?? []).map((t) => ({
      kind: t.kind as TransferKind,
      fromExtension: t.fromExtension,
      toExtension: t.toExtension,
      at: new Date(t.at),
    })),
    variables: r.variables ?? {},
    recordingPath: r.recordingPath,
    originateActionId: r.originateActionId,
  };
}

/** CoreShowChannels' list, as channels per Linkedid. */
export function channelsByLinkedid(
  list: readonly AmiMessage[],
): Map<string, { uniqueid: string; channel: string }[]> {
  const out = new Map<string, { uniqueid: string; channel: string }[]>();
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  for (const msg of list) {
    if (one(msg.headers['event']) !== 'CoreShowChannel') continue;
    const uniqueid = one(msg.headers['uniqueid']);
    const channel = one(msg.headers['channel']);
    if (!uniqueid || !channel) continue;
    const linkedid = one(msg.headers['linkedid']) ?? uniqueid;
    let chans = out.get(linkedid);
    if (!chans) out.set(linkedid, (chans = []));
    chans.push({ uniqueid, channel });
  }
  return out;
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pgPool } from '../../../database/pg-pool.js';
import type { CallDirection, CallOutcome, CallStatus } from '../tracker/index.js';
import type { CommEventDraft } from './comm-event-draft.js';
import type { StoredLeg, StoredTransfer } from './comm-event.entity.js';

/** A draft with what the writer looked up for its batch: ready to upsert. */
export interface CommEventRow extends CommEventDraft {
  fromE164: string | null;
  toE164: string | null;
  agentUserId: string | null;
  contactId: string | null;
}

/** The upserted columns, in statement order, with how each is read from a row. */
const COLUMNS: readonly (readonly [string, (r: CommEventRow) => unknown])[] = [
  ['pbx_id', (r) => r.pbxId],
  ['linkedid', (r) => r.linkedid],
  ['direction', (r) => r.direction],
  ['status', (r) => r.status],
  ['outcome', (r) => r.outcome],
  ['from_number', (r) => r.fromNumber],
  ['from_e164', (r) => r.fromE164],
  ['from_name', (r) => r.fromName],
  ['to_number', (r) => r.toNumber],
  ['to_e164', (r) => r.toE164],
  ['queue', (r) => r.queue],
  ['agent_user_id', (r) => r.agentUserId],
  ['agent_extension', (r) => r.agentExtension],
  ['agent_name', (r) => r.agentName],
  ['contact_id', (r) => r.contactId],
  ['started_at', (r) => r.startedAt],
  ['answered_at', (r) => r.answeredAt],
  ['ended_at', (r) => r.endedAt],
  ['wait_seconds', (r) => r.waitSeconds],
  ['talk_seconds', (r) => r.talkSeconds],
  ['hangup_cause', (r) => r.hangupCause],
  ['hangup_cause_text', (r) => r.hangupCauseText],
  ['recording_path', (r) => r.recordingPath],
  ['transfers', (r) => JSON.stringify(r.transfers)],
  ['legs', (r) => JSON.stringify(r.legs)],
  ['legs_dropped', (r) => r.legsDropped],
  ['variables', (r) => JSON.stringify(r.variables)],
  ['originate_action_id', (r) => r.originateActionId],
  ['note', (r) => r.note],
];

/** Parameters per row; Postgres takes at most 65,535 per statement. */
export const PARAMS_PER_ROW = COLUMNS.length;
export const MAX_ROWS_PER_STATEMENT = Math.floor(65_535 / PARAMS_PER_ROW);

/** Looked-up values survive a later write that could not look them up (a directory outage). */
const KEEP_IF_NULL = new Set(['agent_user_id', 'contact_id', 'recording_path', 'from_e164', 'to_e164']);
const KEY = new Set(['pbx_id', 'linkedid']);

const UPDATE_SET = COLUMNS.filter(([c]) => !KEY.has(c))
  .map(([c]) =>
    KEEP_IF_NULL.has(c) ? `${c} = COALESCE(EXCLUDED.${c}, comm_events.${c})` : `${c} = EXCLUDED.${c}`,
  )
  .concat('updated_at = now()')
  .join(',\n  ');

/**
 * One multi-row upsert for a whole batch. A row already `complete` is never touched again (a replay
 * of the same calls, a reconnect, a journal replayed twice), and a status never goes back
 * (`in_progress` is not overwritten by a late `entered`). The batch must hold each call once.
 */
export function buildUpsert(rows: readonly CommEventRow[]): { sql: string; params: unknown[] } {
  if (rows.length === 0 || rows.length > MAX_ROWS_PER_STATEMENT)
    throw new RangeError(`buildUpsert: 1..${MAX_ROWS_PER_STATEMENT} rows, got ${rows.length}`);
  const params: unknown[] = new Array(rows.length * PARAMS_PER_ROW);
  const tuples: string[] = new Array(rows.length);
  let p = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const slots: string[] = new Array(PARAMS_PER_ROW);
    for (let c = 0; c < PARAMS_PER_ROW; c++) {
      params[p] = COLUMNS[c][1](row);
      slots[c] = `$${++p}`;
    }
    tuples[i] = `(${slots.join(',')})`;
  }
  const sql = `INSERT INTO comm_events (${COLUMNS.map(([c]) => c).join(', ')})
VALUES ${tuples.join(',\n')}
ON CONFLICT (pbx_id, linkedid) DO UPDATE SET
  ${UPDATE_SET}
WHERE comm_events.status <> 'complete'
  AND NOT (comm_events.status = 'in_progress' AND EXCLUDED.status = 'entered')
RETURNING id, pbx_id AS "pbxId", linkedid, status`;
  return { sql, params };
}

export interface SavedRow {
  id: string;
  pbxId: string;
  linkedid: string;
  status: CallStatus;
}

/** A comm_events row as the read side sees it. */
export interface CommEventRecord {
  id: string;
  pbxId: string;
  linkedid: string;
  direction: CallDirection;
  status: CallStatus;
  outcome: CallOutcome | null;
  fromNumber: string | null;
  fromE164: string | null;
  fromName: string | null;
  toNumber: string | null;
  toE164: string | null;
  queue: string | null;
  agentUserId: string | null;
  agentExtension: string | null;
  agentName: string | null;
  contactId: string | null;
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
  createdAt: Date;
  updatedAt: Date;
}

const SELECT = `SELECT id, pbx_id AS "pbxId", linkedid, direction, status, outcome,
  from_number AS "fromNumber", from_e164 AS "fromE164", from_name AS "fromName",
  to_number AS "toNumber", to_e164 AS "toE164", queue, agent_user_id AS "agentUserId",
  agent_extension AS "agentExtension", agent_name AS "agentName", contact_id AS "contactId",
  started_at AS "startedAt", answered_at AS "answeredAt", ended_at AS "endedAt",
  wait_seconds AS "waitSeconds", talk_seconds AS "talkSeconds", hangup_cause AS "hangupCause",
  hangup_cause_text AS "hangupCauseText", recording_path AS "recordingPath", transfers, legs,
  legs_dropped AS "legsDropped", variables, originate_action_id AS "originateActionId", note,
  created_at AS "createdAt", updated_at AS "updatedAt"
FROM comm_events`;

/** A completed call as a popup lists it. */
export interface PreviousCallRow {
  id: string;
  startedAt: Date;
  direction: CallDirection;
  outcome: CallOutcome;
  agentName: string | null;
  talkSeconds: number | null;
}

/** Who may see which rows: undefined = everything. */
export interface CommEventScope {
  /** Rows answered by one of these users... */
  userIds: readonly string[];
  /** ...or of one of these queues. */
  queues: readonly { pbxId: string; queue: string }[];
}

export interface CommEventFilter {
  from?: Date;
  to?: Date;
  direction?: CallDirection;
  outcome?: CallOutcome;
  userId?: string;
  contactId?: string;
  /** Matches either side: by E.164 when the number has one, else as written. */
  numberE164?: string;
  numberRaw?: string;
  queue?: string;
  /** Keyset cursor: rows strictly after this one in (startedAt desc, id desc) order. */
  after?: { startedAt: Date; id: string };
  limit: number;
}

/** Every SQL statement on comm_events. */
@Injectable()
export class CommEventsRepository {
  constructor(private readonly ds: DataSource) {}

  /** One statement for the whole batch; answers the rows it inserted or moved forward. */
  async upsert(rows: readonly CommEventRow[]): Promise<SavedRow[]> {
    const { sql, params } = buildUpsert(rows);
    return (await this.ds.query(sql, params)) as SavedRow[];
  }

  /** The id of a call's row, by the key Asterisk gives it. */
  async idOf(pbxId: string, linkedid: string): Promise<string | undefined> {
    const rows = (await this.ds.query(`SELECT id FROM comm_events WHERE pbx_id = $1 AND linkedid = $2`, [
      pbxId,
      linkedid,
    ])) as { id: string }[];
    return rows[0]?.id;
  }

  async list(filter: CommEventFilter, scope?: CommEventScope): Promise<CommEventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.from) where.push(`started_at >= ${p(filter.from)}`);
    if (filter.to) where.push(`started_at < ${p(filter.to)}`);
    if (filter.direction) where.push(`direction = ${p(filter.direction)}`);
    if (filter.outcome) where.push(`outcome = ${p(filter.outcome)}`);
    if (filter.userId) where.push(`agent_user_id = ${p(filter.userId)}`);
    if (filter.contactId) where.push(`contact_id = ${p(filter.contactId)}`);
    if (filter.queue) where.push(`queue = ${p(filter.queue)}`);
    if (filter.numberE164) {
      const n = p(filter.numberE164);
      where.push(`(from_e164 = ${n} OR to_e164 = ${n})`);
    } else if (filter.numberRaw) {
      const n = p(filter.numberRaw);
      where.push(`(from_number = ${n} OR to_number = ${n})`);
    }
    if (filter.after) {
      where.push(`(started_at, id) < (${p(filter.after.startedAt)}, ${p(filter.after.id)})`);
    }
    if (scope) where.push(scopeCondition(scope, p));
    const sql = `${SELECT}
${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY started_at DESC, id DESC
LIMIT ${p(filter.limit)}`;
    return (await this.ds.query(sql, params)) as CommEventRecord[];
  }

  /**
   * The last completed calls with a number, newest first, for an operator's popup: the few columns
   * it shows, as a named prepared statement on the pg pool (every inbound call runs it, and a
   * TypeORM query runner plus every column, the legs' JSON included, cost several times more).
   */
  async previousCalls(number: { e164: string } | { raw: string }, limit: number): Promise<PreviousCallRow[]> {
    const [name, columns, value] =
      'e164' in number
        ? ['comm_events_previous_e164', ['from_e164', 'to_e164'], number.e164]
        : ['comm_events_previous_raw', ['from_number', 'to_number'], number.raw];
    const { rows } = await pgPool(this.ds).query<PreviousCallRow>({
      name,
      text: `SELECT id, started_at AS "startedAt", direction, outcome, agent_name AS "agentName",
  talk_seconds AS "talkSeconds"
FROM comm_events
WHERE (${columns[0]} = $1 OR ${columns[1]} = $1) AND status = 'complete' AND outcome IS NOT NULL
ORDER BY started_at DESC, id DESC
LIMIT $2`,
      values: [value, limit],
    });
    return rows;
  }

  async get(id: string): Promise<CommEventRecord | undefined> {
    const rows = (await this.ds.query(`${SELECT} WHERE id = $1`, [id])) as CommEventRecord[];
    return rows[0];
  }

  async count(): Promise<number> {
    const rows = (await this.ds.query(`SELECT count(*)::int AS n FROM comm_events`)) as { n: number }[];
    return rows[0].n;
  }

  /**
   * Closes the rows of one PBX that an earlier run of the app left open (it stopped during those
   * calls, and this run cannot follow them): they are complete, ended at `at`, with a note. Calls
   * this run follows (`live`) and rows it began itself (started at or after `startedBefore`) stay.
   */
  async closeOrphans(
    pbxId: string,
    startedBefore: Date,
    live: readonly string[],
    at: Date,
    note: string,
  ): Promise<number> {
    const rows = (await this.ds.query(
      `UPDATE comm_events SET
         status = 'complete',
         outcome = CASE WHEN answered_at IS NOT NULL THEN 'answered'
                        WHEN direction = 'inbound' THEN 'missed' ELSE 'no_answer' END,
         ended_at = $3,
         wait_seconds = COALESCE(wait_seconds, GREATEST(0, round(extract(epoch FROM (COALESCE(answered_at, $3) - started_at))))::int),
         talk_seconds = COALESCE(talk_seconds, CASE WHEN answered_at IS NULL THEN 0
                          ELSE GREATEST(0, round(extract(epoch FROM ($3 - answered_at))))::int END),
         note = $5,
         updated_at = now()
       WHERE pbx_id = $1 AND status <> 'complete' AND started_at < $2 AND linkedid <> ALL($4::varchar[])
       RETURNING id`,
      [pbxId, startedBefore, at, live, note],
    )) as unknown[];
    return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
  }
}

function scopeCondition(scope: CommEventScope, p: (v: unknown) => string): string {
  const parts: string[] = [];
  if (scope.userIds.length > 0) parts.push(`agent_user_id = ANY(${p(scope.userIds)}::uuid[])`);
  if (scope.queues.length > 0) {
    parts.push(
      `(pbx_id, queue) IN (SELECT * FROM unnest(${p(scope.queues.map((q) => q.pbxId))}::uuid[], ${p(
        scope.queues.map((q) => q.queue),
      )}::varchar[]))`,
    );
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

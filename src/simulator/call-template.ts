import { header } from '../protocol/ami/ami-message.js';
import type { AmiRecording } from './ami-recording.js';
import { hex8, saltUuid, type RewritePlan } from './frame-rewriter.js';

/** One event of a call template, with what a generated call may need to change in it. */
export interface TemplateFrame {
  readonly raw: string;
  readonly eventName: string;
  readonly category: number;
  /** ms from the call's first event, at the recorded pace */
  readonly atMs: number;
  /** extensions of the template's queue members this frame mentions */
  readonly mentions: ReadonlySet<string>;
  /** VarSet: the variable's name */
  readonly variable?: string;
  readonly channel?: string;
}

export interface TemplateMember {
  readonly ext: string;
  readonly name: string;
}

/** A recorded call, ready to be replayed as new calls with other ids, caller, queue and agents. */
export interface CallTemplate {
  readonly name: string;
  readonly frames: readonly TemplateFrame[];
  readonly durationMs: number;
  /** `EPOCH.SEQ` values, in sequence order */
  readonly uniqueids: readonly string[];
  /** channel suffixes, in numeric order */
  readonly suffixes: readonly string[];
  /** epoch (s) of the first channel */
  readonly baseEpoch: number;
  readonly maxEpoch: number;
  /** inbound templates: the queue, DID and caller of the recorded call */
  readonly queue?: string;
  readonly did?: string;
  readonly callerNum?: string;
  readonly callerName?: string;
  /** queue members rung, the one who answered first */
  readonly members: readonly TemplateMember[];
  /** click-to-call template: the phone, the number dialled and the ActionID of the recorded Originate */
  readonly phoneExt?: string;
  readonly dialled?: string;
  readonly actionId?: string;
}

const LOCAL_EXT = /^Local\/(\d+)@/;

/** A RegExp matching one literal where it is a whole token (no letter or digit glued to either end). */
function literalPattern(literal: string): string {
  const escaped = literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const head = /^[0-9A-Za-z]/.test(literal) ? '(?<![0-9A-Za-z.])' : '';
  const tail = /[0-9A-Za-z]$/.test(literal) ? '(?![0-9A-Za-z])' : '';
  return `${head}${escaped}${tail}`;
}

/** One regex for every literal of a template, longest first; replace in one pass (swaps work). */
export function literalRegex(literals: Iterable<string>): RegExp | undefined {
  const list = [...new Set(literals)].filter((l) => l !== '').sort((a, b) => b.length - a.length);
  return list.length === 0 ? undefined : new RegExp(list.map(literalPattern).join('|'), 'g');
}

export function replaceLiterals(
  text: string,
  re: RegExp | undefined,
  map: ReadonlyMap<string, string>,
): string {
  return re === undefined ? text : text.replace(re, (m) => map.get(m) ?? m);
}

/**
 * Turns a recording of one call into a template. Inbound calls (a caller in a queue) learn their
 * queue, DID and caller from QueueCallerJoin and their agents from AgentCalled / AgentConnect;
 * a click-to-call recording learns its phone and number from OriginateResponse.
 */
export function buildTemplate(rec: AmiRecording): CallTemplate {
  // the lab started inbound calls with Originate; a PBX receiving a real call sends no OriginateResponse
  const inbound = rec.events.some((e) => e.eventName === 'QueueCallerJoin');
  const events = inbound ? rec.events.filter((e) => e.eventName !== 'OriginateResponse') : rec.events;
  const join = events.find((e) => e.eventName === 'QueueCallerJoin')?.msg;
  const members: TemplateMember[] = [];
  const connect = events.find((e) => e.eventName === 'AgentConnect')?.msg;
  const connectExt = LOCAL_EXT.exec(connect ? (header(connect, 'interface') ?? '') : '')?.[1];
  for (const e of events) {
    if (e.eventName !== 'AgentCalled') continue;
    const ext = LOCAL_EXT.exec(header(e.msg, 'interface') ?? '')?.[1];
    if (ext !== undefined && !members.some((m) => m.ext === ext)) {
      members.push({ ext, name: header(e.msg, 'membername') ?? '' });
    }
  }
  // the agent who answered goes first: a generated call maps it onto the agent chosen to answer
  members.sort((a, b) => (a.ext === connectExt ? -1 : b.ext === connectExt ? 1 : 0));

  const originate = events.find((e) => e.eventName === 'OriginateResponse')?.msg;
  const phoneExt = originate ? LOCAL_EXT.exec(header(originate, 'channel') ?? '')?.[1] : undefined;

  const mentionRes = members.map((m) => ({
    ext: m.ext,
    re: new RegExp(`${literalPattern(m.ext)}${m.name ? `|${literalPattern(m.name)}` : ''}`),
  }));
  const t0 = events.length > 0 ? events[0].atMs : 0;
  const frames = events.map((e): TemplateFrame => {
    const mentions = new Set<string>();
    for (const { ext, re } of mentionRes) if (re.test(e.raw)) mentions.add(ext);
    return {
      raw: e.raw,
      eventName: e.eventName,
      category: e.category,
      atMs: e.atMs - t0,
      mentions,
      variable: e.eventName === 'VarSet' ? header(e.msg, 'variable') : undefined,
      channel: header(e.msg, 'channel'),
    };
  });

  const uniqueids = [...rec.ids.uniqueids].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const suffixes = [...rec.ids.suffixes].sort((a, b) => parseInt(a, 16) - parseInt(b, 16));
  return {
    name: rec.name,
    frames,
    durationMs: frames.length > 0 ? frames[frames.length - 1].atMs : 0,
    uniqueids,
    suffixes,
    baseEpoch: rec.ids.minEpoch,
    maxEpoch: rec.ids.maxEpoch,
    queue: join ? header(join, 'queue') : undefined,
    did: join ? header(join, 'exten') : undefined,
    callerNum: join ? header(join, 'calleridnum') : undefined,
    callerName: join
      ? header(join, 'calleridname')
      : originate
        ? header(originate, 'calleridname')
        : undefined,
    members,
    phoneExt,
    dialled: originate ? header(originate, 'exten') : undefined,
    actionId: originate ? header(originate, 'actionid') : undefined,
  };
}

/** The PBX's counters for new identifiers, shared by every generated call (Asterisk's are global). */
export class IdAllocator {
  private seq = 0;
  private suffix = 0;
  private salt = 1;

  nextSeq(): number {
    return this.seq++;
  }

  nextSuffix(): string {
    return hex8(this.suffix++);
  }

  nextSalt(): number {
    return this.salt++;
  }
}

/** Fresh ids for one generated call made from `t`, starting at `startSec`. */
export function freshIdPlan(t: CallTemplate, ids: IdAllocator, startSec: number): RewritePlan {
  const shiftSec = startSec - t.baseEpoch;
  const uniqueids = new Map<string, string>();
  for (const uid of t.uniqueids) {
    uniqueids.set(uid, `${Number(uid.slice(0, uid.indexOf('.'))) + shiftSec}.${ids.nextSeq()}`);
  }
  const suffixes = new Map<string, string>();
  for (const s of t.suffixes) suffixes.set(s, ids.nextSuffix());
  const salt = ids.nextSalt();
  return {
    uniqueids,
    suffixes,
    shiftSec,
    epochMin: t.baseEpoch - 30 * 86_400,
    epochMax: t.maxEpoch + 86_400,
    uuid: (u) => saltUuid(u, salt),
  };
}

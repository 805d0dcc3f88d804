import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

import { header, type AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiParser } from '../protocol/ami/ami-parser.js';
import { eventCategory } from './ami-frame.js';
import { compileText, renderText, type CompiledText, type RewritePlan } from './frame-rewriter.js';
import { SimulatorError, SimulatorErrorCode } from './simulator-error.js';

/** One event of a recording, byte for byte as Asterisk sent it. */
export interface RecordedEvent {
  /** The frame text including its terminating blank line. */
  readonly raw: string;
  readonly msg: AmiMessage;
  readonly eventName: string;
  /** Class bits from `Privilege:` (see ami-frame.ts). */
  readonly category: number;
  /** Derived offset from the first event, in ms (see deriveTimeline). */
  readonly atMs: number;
}

/** The identifiers a recording uses, so that a repetition can replace every one of them. */
export interface RecordingIds {
  /** Every `EPOCH.SEQ` value seen in a *uniqueid / *linkedid header. */
  readonly uniqueids: ReadonlySet<string>;
  readonly maxSeq: number;
  /** Every 8-hex-digit channel name suffix (`Local/1001@phones-00000002;1` -> `00000002`). */
  readonly suffixes: ReadonlySet<string>;
  readonly maxSuffix: number;
  /** Range of channel creation epochs (seconds); 0 when the recording has no channel. */
  readonly minEpoch: number;
  readonly maxEpoch: number;
}

export interface AmiRecording {
  readonly name: string;
  /** The replayable events, in recorded order. */
  readonly events: readonly RecordedEvent[];
  /** Offset of the last event (ms). */
  readonly durationMs: number;
  readonly ids: RecordingIds;
}

/**
 * Events a replay must not send: FullyBooted and SuccessfulAuth belong to the recording client's
 * own login (the simulator generates them per login).
 */
const PER_LOGIN_EVENTS = new Set(['fullybooted', 'successfulauth']);

/**
 * Whether a recorded event is a broadcast event. List items answering an action (QueueMember,
 * QueueParams, DeviceStateChange with an ActionID, ...) carry an ActionID and no Privilege; they went
 * to the recording client only. OriginateResponse carries both and is a real broadcast.
 */
function isBroadcastEvent(msg: AmiMessage): boolean {
  if (msg.type !== 'event') return false;
  const name = (header(msg, 'event') ?? '').toLowerCase();
  if (PER_LOGIN_EVENTS.has(name)) return false;
  return !(header(msg, 'actionid') !== undefined && header(msg, 'privilege') === undefined);
}

const BANNER = /^Asterisk Call Manager\/[^\r\n]*\r?\n/;

/**
 * Reads a recording: the AMI parser gives each frame's meaning, and the frame text itself is kept
 * so that a replay sends the bytes Asterisk sent (the parser lower-cases keys: `UniqueID` and
 * `Uniqueid` must survive). Both views are checked to line up one to one.
 */
export function parseRecording(data: Buffer | string, name = 'recording'): AmiRecording {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const msgs: AmiMessage[] = [];
  let parseError: Error | undefined;
  const parser = new AmiParser((m) => msgs.push(m), {
    expectBanner: BANNER.test(text),
    maxMessageBytes: 4 * 1024 * 1024,
    onError: (err) => (parseError ??= err),
  });
  parser.push(Buffer.from(text, 'utf8'));
  if (parseError) {
    throw new SimulatorError(SimulatorErrorCode.RECORDING_MALFORMED, `${name}: ${parseError.message}`);
  }

  const body = text.replace(BANNER, '');
  const raws = body.split(/\r?\n\r?\n/).filter((f) => f.trim() !== '');
  if (raws.length !== msgs.length) {
    throw new SimulatorError(
      SimulatorErrorCode.RECORDING_MALFORMED,
      `${name}: ${raws.length} frames but the parser read ${msgs.length} messages`,
    );
  }

  const kept: { raw: string; msg: AmiMessage }[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const msg = msgs[i];
    if (!isBroadcastEvent(msg)) continue;
    const raw = raws[i].replace(/\r?\n/g, '\r\n');
    if (!raw.toLowerCase().startsWith(`event: ${(header(msg, 'event') ?? '').toLowerCase()}`)) {
      throw new SimulatorError(
        SimulatorErrorCode.RECORDING_MALFORMED,
        `${name}: frame ${i} does not line up`,
      );
    }
    kept.push({ raw: `${raw}\r\n\r\n`, msg });
  }

  const offsets = deriveTimeline(kept.map((k) => k.msg));
  const events = kept.map((k, i) => ({
    raw: k.raw,
    msg: k.msg,
    eventName: header(k.msg, 'event') ?? '',
    category: eventCategory(header(k.msg, 'privilege')),
    atMs: offsets[i],
  }));
  return {
    name,
    events,
    durationMs: events.length > 0 ? events[events.length - 1].atMs : 0,
    ids: collectIds(kept.map((k) => k.msg)),
  };
}

export async function loadRecording(path: string): Promise<AmiRecording> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new SimulatorError(
      SimulatorErrorCode.RECORDING_UNREADABLE,
      `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  return parseRecording(data, basename(path));
}

const UNIQUEID = /^(\d+)\.(\d+)$/;
const SUFFIX = /-([0-9a-f]{8})(?=;|$)/;

function collectIds(msgs: readonly AmiMessage[]): RecordingIds {
  const uniqueids = new Set<string>();
  const suffixes = new Set<string>();
  let maxSeq = -1;
  let maxSuffix = -1;
  let minEpoch = Infinity;
  let maxEpoch = -Infinity;
  for (const msg of msgs) {
    for (const [key, value] of Object.entries(msg.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (key.endsWith('uniqueid') || key.endsWith('linkedid')) {
          const m = UNIQUEID.exec(v);
          if (m) {
            uniqueids.add(v);
            maxSeq = Math.max(maxSeq, Number(m[2]));
            minEpoch = Math.min(minEpoch, Number(m[1]));
            maxEpoch = Math.max(maxEpoch, Number(m[1]));
          }
        } else if (key.endsWith('channel')) {
          const m = SUFFIX.exec(v);
          if (m) {
            suffixes.add(m[1]);
            maxSuffix = Math.max(maxSuffix, parseInt(m[1], 16));
          }
        }
      }
    }
  }
  return {
    uniqueids,
    maxSeq,
    suffixes,
    maxSuffix,
    minEpoch: Number.isFinite(minEpoch) ? minEpoch : 0,
    maxEpoch: Number.isFinite(maxEpoch) ? maxEpoch : 0,
  };
}

/** `2026-11-22 20:54:48` read as UTC, in seconds. */
function parseCdrTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
}

function uniqueidEpoch(value: string | undefined): number | undefined {
  const m = value === undefined ? null : UNIQUEID.exec(value);
  return m ? Number(m[1]) : undefined;
}

/**
 * When each event happened, in ms from the first one. The recordings have no Timestamp headers,
 * so the timeline is rebuilt from what they do carry:
 *  - `Newchannel`: the Uniqueid's epoch part is the channel's creation second;
 *  - `Cdr`: EndTime is when the CDR was posted (CDR times are the PBX's local time; the offset to
 *    UTC is estimated from StartTime against the channel's Uniqueid epoch, to the quarter hour);
 *  - security events: `EventTV`, to the millisecond.
 * The first event that carries a later second than every anchor before it becomes a key point at
 * that second; events between two key points are spread evenly between them, events after the
 * last key point share its time. So the pace is right to about a second and each second's events
 * are spread across it rather than sent in a burst. No anchor at all: every offset is 0.
 */
export function deriveTimeline(msgs: readonly AmiMessage[]): number[] {
  const created = new Map<string, number>();
  let tzOffsetSec: number | undefined;
  for (const msg of msgs) {
    const name = header(msg, 'event');
    if (name === 'Newchannel') {
      const uid = header(msg, 'uniqueid');
      const epoch = uniqueidEpoch(uid);
      if (uid !== undefined && epoch !== undefined) created.set(uid, epoch);
    } else if (name === 'Cdr' && tzOffsetSec === undefined) {
      const start = parseCdrTime(header(msg, 'starttime'));
      const epoch = created.get(header(msg, 'uniqueid') ?? '');
      if (start !== undefined && epoch !== undefined) tzOffsetSec = Math.round((start - epoch) / 900) * 900;
    }
  }

  const anchors = msgs.map((msg): number | undefined => {
    const name = header(msg, 'event');
    if (name === 'Newchannel') return uniqueidEpoch(header(msg, 'uniqueid'));
    if (name === 'Cdr') {
      const end = parseCdrTime(header(msg, 'endtime'));
      return end === undefined ? undefined : end - (tzOffsetSec ?? 0);
    }
    const tv = header(msg, 'eventtv');
    if (tv !== undefined) {
      const ms = Date.parse(tv.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      return Number.isNaN(ms) ? undefined : ms / 1000;
    }
    return undefined;
  });

  const keys: { index: number; sec: number }[] = [];
  for (let i = 0; i < anchors.length; i++) {
    const a = anchors[i];
    if (a !== undefined && (keys.length === 0 || a > keys[keys.length - 1].sec))
      keys.push({ index: i, sec: a });
  }
  const out = new Array<number>(msgs.length).fill(0);
  if (keys.length === 0) return out;

  const t0 = keys[0].sec;
  let k = 0;
  for (let i = 0; i < msgs.length; i++) {
    while (k + 1 < keys.length && keys[k + 1].index <= i) k++;
    const a = keys[k];
    let sec: number;
    if (i <= a.index)
      sec = a.sec; // before the first key point, or exactly on one
    else if (k + 1 < keys.length) {
      const b = keys[k + 1];
      sec = a.sec + ((b.sec - a.sec) * (i - a.index)) / (b.index - a.index);
    } else sec = a.sec;
    out[i] = Math.round((sec - t0) * 1000);
  }
  return out;
}

interface CompiledEvent {
  readonly text: CompiledText;
  /** headers whose values hold a rewritable token, with their compiled values */
  readonly headers: readonly (readonly [string, readonly CompiledText[]])[];
}

/** Compiled once per event, on first rewrite (a single-pass replay never pays for it). */
const compiled = new WeakMap<RecordedEvent, CompiledEvent>();

function compiledOf(ev: RecordedEvent): CompiledEvent {
  let c = compiled.get(ev);
  if (c === undefined) {
    const headers: [string, CompiledText[]][] = [];
    for (const [key, value] of Object.entries(ev.msg.headers)) {
      const values = (Array.isArray(value) ? value : [value]).map(compileText);
      if (values.some((v) => v.tokens.length > 0)) headers.push([key, values]);
    }
    c = { text: compileText(ev.raw), headers };
    compiled.set(ev, c);
  }
  return c;
}

/**
 * A recorded event with its identifiers rewritten by `plan`: the frame text to send, and the same
 * message as the parser would read it (without parsing the text again).
 */
export function rewriteEvent(ev: RecordedEvent, plan: RewritePlan): { text: string; msg: AmiMessage } {
  const c = compiledOf(ev);
  const text = renderText(c.text, plan);
  if (c.headers.length === 0) return { text, msg: ev.msg };
  const headers: Record<string, string | string[]> = { ...ev.msg.headers };
  for (const [key, values] of c.headers) {
    headers[key] = Array.isArray(ev.msg.headers[key])
      ? values.map((v) => renderText(v, plan))
      : renderText(values[0], plan);
  }
  return { text, msg: { type: ev.msg.type, headers } };
}

/**
 * Rewriting the identifiers inside recorded frames, so that one recording can be sent several times
 * (or used as a call template) and each copy is a distinct set of calls: Uniqueid / Linkedid values,
 * channel name suffixes, bridge UUIDs, and the epoch seconds and dates that go with them.
 *
 * A frame is scanned once (compileText) into literal text and tokens; each rewrite then only joins
 * the pieces (renderText), which keeps a repeated replay at max speed cheap. Only tokens the plan
 * knows are replaced, so caller numbers and other digits are left alone.
 */
export interface RewritePlan {
  /** Exact `EPOCH.SEQ` tokens to replace. */
  readonly uniqueids: ReadonlyMap<string, string>;
  /** Channel suffixes (8 hex digits after `-`) to replace. */
  readonly suffixes: ReadonlyMap<string, string>;
  /** Added to epoch-second tokens and dates that fall within [epochMin, epochMax]. */
  readonly shiftSec: number;
  readonly epochMin: number;
  readonly epochMax: number;
  /** New value for a bridge UUID; absent: unchanged. */
  readonly uuid?: (uuid: string) => string;
}

/**
 * Alternatives, tried in this order at each position:
 *  1. a date `YYYY-MM-DD HH:MM:SS` (Cdr) or `YYYY-MM-DDTHH:MM:SS` (EventTV),
 *  2. a UUID (BridgeUniqueid),
 *  3. a 10-digit epoch starting with 1, optionally `.SEQ`, not inside a longer number or a phone number,
 *  4. a channel suffix `-xxxxxxxx` not followed by more hex.
 */
const TOKEN =
  /(\d{4})-(\d{2})-(\d{2})([ T])(\d{2}):(\d{2}):(\d{2})|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(?<![\w.+])(1\d{9})(\.\d+)?(?!\d)|-([0-9a-f]{8})(?![0-9a-f])/g;

type Token =
  | { readonly kind: 'date'; readonly text: string; readonly sec: number; readonly sep: string }
  | { readonly kind: 'uuid'; readonly text: string }
  | { readonly kind: 'epoch'; readonly text: string; readonly sec: number; readonly frac: string }
  | { readonly kind: 'suffix'; readonly text: string; readonly hex: string };

/** A text cut at its rewritable tokens: parts[0] token[0] parts[1] ... parts[n]. */
export interface CompiledText {
  readonly parts: readonly string[];
  readonly tokens: readonly Token[];
}

export function compileText(text: string): CompiledText {
  const parts: string[] = [];
  const tokens: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index;
    parts.push(text.slice(last, at));
    last = at + m[0].length;
    if (m[1] !== undefined) {
      tokens.push({
        kind: 'date',
        text: m[0],
        sec: Date.UTC(+m[1], +m[2] - 1, +m[3], +m[5], +m[6], +m[7]) / 1000,
        sep: m[4],
      });
    } else if (m[8] !== undefined) {
      tokens.push({ kind: 'uuid', text: m[0] });
    } else if (m[9] !== undefined) {
      tokens.push({ kind: 'epoch', text: m[0], sec: Number(m[9]), frac: m[10] ?? '' });
    } else {
      tokens.push({ kind: 'suffix', text: m[0], hex: m[11] });
    }
  }
  parts.push(text.slice(last));
  return { parts, tokens };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function renderToken(t: Token, plan: RewritePlan): string {
  switch (t.kind) {
    case 'date': {
      // dates may be in the PBX's local time: allow a day either side of the epoch range
      if (plan.shiftSec === 0 || t.sec < plan.epochMin - 86_400 || t.sec > plan.epochMax + 86_400)
        return t.text;
      const d = new Date((t.sec + plan.shiftSec) * 1000);
      return (
        `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}` +
        `${t.sep}${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
      );
    }
    case 'uuid':
      return plan.uuid ? plan.uuid(t.text) : t.text;
    case 'epoch': {
      if (t.frac !== '') {
        const mapped = plan.uniqueids.get(t.text);
        if (mapped !== undefined) return mapped;
      }
      if (plan.shiftSec === 0 || t.sec < plan.epochMin || t.sec > plan.epochMax) return t.text;
      return `${t.sec + plan.shiftSec}${t.frac}`;
    }
    case 'suffix': {
      const mapped = plan.suffixes.get(t.hex);
      return mapped === undefined ? t.text : `-${mapped}`;
    }
  }
}

export function renderText(c: CompiledText, plan: RewritePlan): string {
  let out = c.parts[0];
  for (let i = 0; i < c.tokens.length; i++) out += renderToken(c.tokens[i], plan) + c.parts[i + 1];
  return out;
}

/** One-off rewrite (live calls, whose text differs per call). */
export function rewriteFrame(text: string, plan: RewritePlan): string {
  return renderText(compileText(text), plan);
}

export const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** A UUID made distinct per `salt` (repeat pass or call number), deterministic. */
export function saltUuid(uuid: string, salt: number): string {
  const last = BigInt(`0x${uuid.slice(24)}`);
  const mixed = (last + BigInt(salt) * 0x9e3779b97f4an) & 0xffffffffffffn;
  return `${uuid.slice(0, 24)}${mixed.toString(16).padStart(12, '0')}`;
}

/** What a repeat pass changes: the ids a recording uses, shifted so that pass N is its own set of calls. */
export interface RepeatableIds {
  readonly uniqueids: ReadonlySet<string>;
  readonly maxSeq: number;
  readonly suffixes: ReadonlySet<string>;
  readonly maxSuffix: number;
  readonly minEpoch: number;
  readonly maxEpoch: number;
}

/**
 * Plan for repetition `pass` (0 = as recorded) of a recording lasting `spanSec`: epochs and dates move
 * by pass x spanSec, Uniqueid sequence numbers and channel suffixes by pass x (largest + 1), as if
 * the PBX had kept counting.
 */
export function repeatPlan(ids: RepeatableIds, pass: number, spanSec: number): RewritePlan {
  const shiftSec = pass * spanSec;
  const uniqueids = new Map<string, string>();
  const suffixes = new Map<string, string>();
  if (pass > 0) {
    for (const uid of ids.uniqueids) {
      const dot = uid.indexOf('.');
      uniqueids.set(
        uid,
        `${Number(uid.slice(0, dot)) + shiftSec}.${Number(uid.slice(dot + 1)) + pass * (ids.maxSeq + 1)}`,
      );
    }
    for (const s of ids.suffixes) suffixes.set(s, hex8(parseInt(s, 16) + pass * (ids.maxSuffix + 1)));
  }
  return {
    uniqueids,
    suffixes,
    shiftSec,
    // LoginTime and friends predate the first channel: accept a month before it
    epochMin: ids.minEpoch - 30 * 86_400,
    epochMax: ids.maxEpoch + 86_400,
    uuid: pass > 0 ? (u) => saltUuid(u, pass) : undefined,
  };
}

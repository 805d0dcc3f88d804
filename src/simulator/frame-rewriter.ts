/**
 * Rewriting the identifiers inside recorded frames, so that one recording can be sent several times
 * (or used as a call template) and each copy is a distinct set of calls: Uniqueid / Linkedid values,
 * channel name suffixes, bridge UUIDs, and the epoch seconds and dates that go with them.
 *
 * Works on the frame text in one regex pass (the replay's hot path at max speed), replacing only
 * tokens the plan knows, so caller numbers and other digits are left alone.
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

const pad2 = (n: number): string => String(n).padStart(2, '0');

export function rewriteFrame(text: string, plan: RewritePlan): string {
  return text.replace(
    TOKEN,
    (
      match: string,
      y: string | undefined,
      mo: string,
      d: string,
      sep: string,
      h: string,
      mi: string,
      s: string,
      uuid: string | undefined,
      epoch: string | undefined,
      frac: string | undefined,
      suffix: string | undefined,
    ): string => {
      if (y !== undefined) {
        const sec = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) / 1000;
        // dates may be in the PBX's local time: allow a day either side of the epoch range
        if (plan.shiftSec === 0 || sec < plan.epochMin - 86_400 || sec > plan.epochMax + 86_400) return match;
        const t = new Date((sec + plan.shiftSec) * 1000);
        return (
          `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())}` +
          `${sep}${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`
        );
      }
      if (uuid !== undefined) return plan.uuid ? plan.uuid(uuid) : match;
      if (epoch !== undefined) {
        if (frac !== undefined) {
          const mapped = plan.uniqueids.get(match);
          if (mapped !== undefined) return mapped;
        }
        const sec = Number(epoch);
        if (plan.shiftSec === 0 || sec < plan.epochMin || sec > plan.epochMax) return match;
        return `${sec + plan.shiftSec}${frac ?? ''}`;
      }
      const mapped = plan.suffixes.get(suffix!);
      return mapped === undefined ? match : `-${mapped}`;
    },
  );
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

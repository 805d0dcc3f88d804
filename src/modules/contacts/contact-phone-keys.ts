import { lastDigits, normalizePhone, type CountryCode } from '../../common/phone/phone-normalizer.js';

/** What a stored number is matched by (the columns of `contact_phones`). */
export interface StoredPhoneKeys {
  readonly e164: string | null;
  readonly digits: string;
  readonly digitsReversed: string;
}

/**
 * How a looked-up number finds stored ones, best first:
 * 1. `e164`: the same E.164 number;
 * 2. `digits`: the same digits (numbers that have no E.164, e.g. foreign or odd formats);
 * 3. `suffix`: the same last N digits (PHONE_MATCH_DIGITS), when the number has at least N.
 *
 * `suffixFrom`..`suffixTo` is the half-open range of `digits_reversed` values that start with the
 * reversed last N digits (`'9'` + 1 is `':'` in byte order). Shorter numbers (extensions, service
 * codes) match on all their digits only: `1001` must not find every number ending in 1001.
 */
export interface LookupKeys {
  readonly e164?: string;
  readonly digits: string;
  readonly digitsReversed: string;
  readonly suffixFrom?: string;
  readonly suffixTo?: string;
}

export type MatchKind = 'e164' | 'digits' | 'suffix';
export const MATCH_KINDS: readonly MatchKind[] = ['e164', 'digits', 'suffix'];

export function reverse(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

export function storedPhoneKeys(number: string, country: CountryCode): StoredPhoneKeys {
  const n = normalizePhone(number, country);
  return { e164: n.e164 ?? null, digits: n.digits, digitsReversed: reverse(n.digits) };
}

/** Undefined when the number has no digit at all (`anonymous`, `<unknown>`): nothing can match. */
export function lookupKeys(
  number: string,
  country: CountryCode,
  matchDigits: number,
): LookupKeys | undefined {
  const n = normalizePhone(number, country);
  if (n.digits === '') return undefined;
  const digitsReversed = reverse(n.digits);
  if (n.digits.length < matchDigits) return { e164: n.e164, digits: n.digits, digitsReversed };
  const suffixFrom = reverse(lastDigits(n.digits, matchDigits));
  const suffixTo =
    suffixFrom.slice(0, -1) + String.fromCharCode(suffixFrom.charCodeAt(suffixFrom.length - 1) + 1);
  return { e164: n.e164, digits: n.digits, digitsReversed, suffixFrom, suffixTo };
}

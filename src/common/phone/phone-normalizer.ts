/*
 * Metadata choice: `min` (libphonenumber-js's default bundle, 83 KB against 157 KB for `max`).
 * We accept a number when `isPossible()` (its length fits the country's numbering plan), not
 * `isValid()` (its digits match the plan's per-range patterns): possible lengths are the same in
 * both bundles, so `max` would only add its stricter range patterns, which lag behind newly
 * opened ranges (1.13.16: `+73001234567` isValid() under `min`, not under `max`). Refusing a real
 * caller's number would lose the call's contact match; a wrong-but-possible number only fails to
 * match, so the lenient check is the safe side.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

export type { CountryCode };

/** A caller id, DID or CRM phone field, normalised for matching. */
export interface NormalizedPhone {
  /** The input, unchanged. */
  readonly raw: string;
  /** `+79031112233` when the input is a possible phone number under the default country. */
  readonly e164?: string;
  /**
   * The E.164 digits without `+` when there is an e164, else the ASCII digits of the input
   * (`1001` for an extension, '' for `<unknown>` / `anonymous`). Suffix-match on these.
   */
  readonly digits: string;
}

/**
 * Digit strings this short, without `+`, are internal extensions or service codes (`1001`, `112`):
 * never turned into E.164 (libphonenumber would make `1001` under RU into `+71001`).
 */
export const MAX_EXTENSION_DIGITS = 6;

/** Inputs longer than this are parsed but not cached (a caller id is never that long). */
const MAX_CACHED_INPUT = 64;
const NON_DIGITS = /[^0-9]/g;

/**
 * Normaliser with a bounded memo. libphonenumber-js takes 10-20 µs per number and this sits on
 * the FastAGI hot path, while the same DIDs and regular callers come back all day: a hit costs a
 * Map lookup. Eviction is first-in-first-out (a Map keeps insertion order), enough to stay
 * bounded when every caller is new. Results are frozen because they are shared.
 */
export class PhoneNormalizer {
  private readonly cache = new Map<string, NormalizedPhone>();

  constructor(private readonly maxCacheEntries = 4096) {}

  get cacheSize(): number {
    return this.cache.size;
  }

  normalize(raw: string, defaultCountry: CountryCode): NormalizedPhone {
    const cacheable = raw.length <= MAX_CACHED_INPUT;
    const key = cacheable ? `${defaultCountry}:${raw}` : '';
    const hit = cacheable ? this.cache.get(key) : undefined;
    if (hit) return hit;
    const result = this.parse(raw, defaultCountry);
    if (cacheable) {
      if (this.cache.size >= this.maxCacheEntries) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(key, result);
    }
    return result;
  }

  private parse(raw: string, defaultCountry: CountryCode): NormalizedPhone {
    const digits = raw.replace(NON_DIGITS, '');
    // Cheap exits first: no digits at all (`<unknown>`, `anonymous`, ''), or an extension.
    if (digits === '') return Object.freeze({ raw, digits });
    if (digits.length <= MAX_EXTENSION_DIGITS && !raw.trimStart().startsWith('+')) {
      return Object.freeze({ raw, digits });
    }
    // With a default country, the library handles the national trunk prefix (RU `8 903 ...`), the
    // international prefixes (`810` from RU, `011` from US, `00` from DE) and a country code
    // written without `+` (the DIDs `74951234567` in the recordings).
    const parsed = parsePhoneNumberFromString(raw, defaultCountry);
    return parsed && parsed.isPossible()
      ? Object.freeze({ raw, e164: parsed.number, digits: parsed.number.slice(1) })
      : Object.freeze({ raw, digits });
  }
}

const shared = new PhoneNormalizer();

/**
 * `89031112233` and `+7 903 111-22-33` under RU -> `+79031112233`; `1001` -> digits only;
 * `<unknown>` -> digits ''. A number that is not possible keeps its digits without an e164.
 */
export function normalizePhone(raw: string, defaultCountry: CountryCode): NormalizedPhone {
  return shared.normalize(raw, defaultCountry);
}

/**
 * The last `n` digits (all of them when there are fewer), for suffix matching between numbers
 * stored in different formats. Anything but ASCII digits is ignored.
 */
export function lastDigits(digits: string, n: number): string {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`lastDigits: n must be a non-negative integer, got ${n}`);
  const clean = digits.replace(NON_DIGITS, '');
  if (n === 0) return ''; // slice(-0) would return everything
  return clean.length <= n ? clean : clean.slice(-n);
}

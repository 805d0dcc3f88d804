/**
 * DIDs are stored as Asterisk sees them in ${EXTEN}: digits only. People type them with a `+`,
 * spaces, dashes, dots or parentheses; those go. Nothing else is rewritten (no 8 -> 7 national
 * prefix guessing): the trunk decides what Asterisk receives, and that is what we match.
 */
export const DID_MIN_DIGITS = 3;
export const DID_MAX_DIGITS = 20;

/** The digits of a DID, or undefined when it is not one (letters, too short or too long). */
export function normaliseDid(raw: string): string | undefined {
  const trimmed = raw.trim();
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  return digits.length >= DID_MIN_DIGITS && digits.length <= DID_MAX_DIGITS ? digits : undefined;
}

/** Asterisk compares queue member interfaces case-insensitively (strcasecmp). */
export function interfaceKey(iface: string): string {
  return iface.trim().toLowerCase();
}

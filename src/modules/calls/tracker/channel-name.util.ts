/**
 * String helpers that map Asterisk channel names, member interfaces and devices to extensions.
 * No regular expressions: they run on the AMI event path.
 *
 * An "extension" here is 2 to 6 digits. That is how an agent's device is told apart from a trunk or a
 * DID: `Local/1001@phones-00000002;1` is agent 1001, `Local/74951234567@incoming-00000000;1` (a DID) and
 * `PJSIP/provider-00000003` (a trunk) are not.
 */

const MIN_EXTENSION_DIGITS = 2;
const MAX_EXTENSION_DIGITS = 6;

export function isExtensionNumber(s: string): boolean {
  const n = s.length;
  if (n < MIN_EXTENSION_DIGITS || n > MAX_EXTENSION_DIGITS) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function extensionOrNull(s: string): string | null {
  return isExtensionNumber(s) ? s : null;
}

/**
 * The extension of an agent's device channel, or null.
 * `Local/1001@phones-00000002;1` -> `1001`; `PJSIP/1001-0000000a` -> `1001`; `SIP/1001-00000001` -> `1001`.
 */
export function channelExtension(channel: string): string | null {
  const slash = channel.indexOf('/');
  if (slash <= 0) return null;
  if (channel.startsWith('Local/')) {
    const at = channel.indexOf('@', slash + 1);
    return at < 0 ? null : extensionOrNull(channel.slice(slash + 1, at));
  }
  const dash = channel.lastIndexOf('-');
  return extensionOrNull(channel.slice(slash + 1, dash > slash ? dash : channel.length));
}

/**
 * The device a channel belongs to: the name without Asterisk's per-call suffix.
 * `PJSIP/1001-0000000a` -> `PJSIP/1001`; `Local/1003@phones-0000000b;1` -> `Local/1003@phones`.
 */
export function channelDevice(channel: string): string {
  const dash = channel.lastIndexOf('-');
  return dash > channel.indexOf('/') && dash > 0 ? channel.slice(0, dash) : channel;
}

/**
 * The extension behind a queue member interface, a device name or a hint.
 * `Local/1001@phones/n`, `PJSIP/1001`, `SIP/1001`, `Custom:1001`, `hint:1001@phones` -> `1001`.
 * `Queue:support_avail`, `Custom:h`, `Local/74951234567@incoming` -> null.
 */
export function interfaceExtension(iface: string): string | null {
  const slash = iface.indexOf('/');
  const colon = iface.indexOf(':');
  let start: number;
  if (colon > 0 && (slash < 0 || colon < slash)) {
    // Custom:1001, hint:1001@phones; Queue:... device states are never extensions.
    if (iface.startsWith('Queue:')) return null;
    start = colon + 1;
  } else if (slash > 0) {
    start = slash + 1;
  } else {
    return extensionOrNull(iface);
  }
  let end = iface.length;
  const at = iface.indexOf('@', start);
  if (at >= 0) end = at;
  const nextSlash = iface.indexOf('/', start);
  if (nextSlash >= 0 && nextSlash < end) end = nextSlash;
  return extensionOrNull(iface.slice(start, end));
}

/**
 * The number in a Dial string: `trunk/84951112233`, `PJSIP/84951112233@provider`, `84951112233@outbound`
 * -> `84951112233`. Null when what remains is not a phone number (digits, optionally a leading `+`).
 */
export function dialStringNumber(dialString: string): string | null {
  const slash = dialString.lastIndexOf('/');
  let s = slash >= 0 ? dialString.slice(slash + 1) : dialString;
  const at = s.indexOf('@');
  if (at >= 0) s = s.slice(0, at);
  if (s.length === 0 || s.length > 32) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 48 || c > 57) && !(i === 0 && c === 43)) return null;
  }
  return s;
}

/** A caller ID value that carries a number: not empty and not Asterisk's `<unknown>` placeholder. */
export function knownCallerId(value: string | undefined): string | null {
  return value === undefined || value.length === 0 || value === '<unknown>' ? null : value;
}

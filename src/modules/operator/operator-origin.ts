/**
 * Whether a browser page at `origin` may open an operator socket: pages served by Switchboard
 * itself (same host as the request) always may, others only when OPERATOR_ORIGINS lists them.
 * A request without Origin comes from a program, not a page (browsers always send it on WebSocket
 * and cross-origin requests): the token alone decides.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined || origin === '') return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (host !== undefined && parsed.host.toLowerCase() === host.toLowerCase()) return true;
  return allowed.includes(parsed.origin.toLowerCase());
}

/**
 * The shape of one AMI message (a response, an event, or an action seen by a server),
 * shared by the parser, the serializer, the client, the simulator and the call tracker.
 *
 * Keys are stored lower-cased (AMI keys are case-insensitive); a key that repeats in one
 * message (`Output`, `Variable`, `ChanVariable`, ...) keeps every value, in order.
 */
export type AmiMessageType = 'response' | 'event' | 'action' | 'unknown';

export interface AmiMessage {
  /** Decided by the first header: `Response:`, `Event:` or `Action:`. */
  readonly type: AmiMessageType;
  /** Lower-cased key -> value. A repeated key holds a string[] with every value in order. */
  readonly headers: Record<string, string | string[]>;
}

/** First value of a header (case-insensitive), or undefined. */
export function header(msg: AmiMessage, key: string): string | undefined {
  const v = msg.headers[key.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of a header (case-insensitive), in order; [] when absent. */
export function headerList(msg: AmiMessage, key: string): string[] {
  const v = msg.headers[key.toLowerCase()];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

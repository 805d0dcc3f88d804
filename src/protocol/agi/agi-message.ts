/**
 * What Asterisk sends on a FastAGI connection, once parsed: first the request environment
 * (the `agi_*` header block), then one reply per command the server sent, and `HANGUP`.
 * Shared by the parser, the session, the FastAGI server and the FastAGI test client.
 */
import type { AgiProtocolError } from './agi.exception.js';

/** The `agi_*` header block. Typed fields are undefined when Asterisk sent an empty value. */
export interface AgiRequest {
  /** `agi_network: yes` (FastAGI). */
  readonly network: boolean;
  /** `agi_network_script`: the part of the AGI URL after `host:port/`, e.g. `responsible?did=74951234567`. */
  readonly networkScript?: string;
  /** `agi_request`: the whole AGI URL, e.g. `agi://127.0.0.1:4573/responsible?did=74951234567`. */
  readonly request: string;
  /** Script path without its query, e.g. `responsible` ('' for `agi://host:port`). */
  readonly route: string;
  /** Query parameters of the script, e.g. `{ did: '74951234567' }`. `+` stays `+` (not a space). */
  readonly query: Readonly<Record<string, string>>;
  readonly channel?: string;
  readonly language?: string;
  readonly type?: string;
  readonly uniqueId?: string;
  readonly version?: string;
  /** `agi_callerid`; Asterisk's `unknown` (no valid number) becomes undefined. */
  readonly callerId?: string;
  /** `agi_calleridname`; `unknown` becomes undefined. */
  readonly callerIdName?: string;
  readonly callingPres?: number;
  readonly callingAni2?: number;
  readonly callingTon?: number;
  readonly callingTns?: number;
  /** `agi_dnid`; `unknown` becomes undefined. */
  readonly dnid?: string;
  /** `agi_rdnis`; `unknown` becomes undefined. */
  readonly rdnis?: string;
  readonly context?: string;
  readonly extension?: string;
  readonly priority?: number;
  /** `agi_enhanced: 1.0` (EAGI). */
  readonly enhanced: boolean;
  readonly accountCode?: string;
  readonly threadId?: string;
  /** `agi_arg_1` .. `agi_arg_N`, in numeric order. */
  readonly args: readonly string[];
  /** Every header as sent, key -> value (`unknown` and empty values kept). */
  readonly raw: Readonly<Record<string, string>>;
}

/**
 * `NNN result=X [(data)] [key=value ...] [text]`: 200 (success), 100 (`Trying...`, sent by
 * GOSUB before its final 200), 503 (`result=-2 Memory allocation failure`).
 */
export interface AgiResultReply {
  readonly kind: 'result';
  readonly code: number;
  /** The text after `result=`, e.g. `1`, `-1`, `0`, or '' for `200 result= (timeout)`. */
  readonly result: string;
  /** The text in parentheses, e.g. `+79161234567` for GET VARIABLE. */
  readonly data?: string;
  /** `endpos=N` (STREAM FILE, GET OPTION, RECORD FILE ...). */
  readonly endpos?: number;
  /** Other `key=value` pairs after the data, e.g. `{ digit: '*' }`. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Free text after the result, e.g. `Gosub complete`, `Memory allocation failure`. */
  readonly text?: string;
  readonly raw: string;
}

/** `510 Invalid or unknown command`. */
export interface AgiInvalidCommandReply {
  readonly kind: 'invalid-command';
  readonly code: 510;
  readonly message: string;
  readonly raw: string;
}

/** `511 Command Not Permitted on a dead channel[ or intercept routine]`. */
export interface AgiDeadChannelReply {
  readonly kind: 'dead-channel';
  readonly code: 511;
  readonly message: string;
  readonly raw: string;
}

/**
 * `520-Invalid command syntax.  Proper usage follows:` + usage lines + `520 End of proper usage.`,
 * or the one-line `520 Invalid command syntax.  Proper usage not available.` (usage: []).
 */
export interface AgiUsageReply {
  readonly kind: 'usage';
  readonly code: 520;
  readonly message: string;
  readonly usage: readonly string[];
  /** Every line of the block, joined with `\n`. */
  readonly raw: string;
}

/** Any other `NNN text` line (kept so that a new code does not break the conversation). */
export interface AgiOtherReply {
  readonly kind: 'other';
  readonly code: number;
  readonly message: string;
  readonly raw: string;
}

export type AgiReply =
  AgiResultReply | AgiInvalidCommandReply | AgiDeadChannelReply | AgiUsageReply | AgiOtherReply;

/** What the parser emits, in stream order. After `error` it emits nothing more. */
export type AgiParserEvent =
  | { readonly type: 'request'; readonly request: AgiRequest }
  | { readonly type: 'reply'; readonly reply: AgiReply }
  /** The `HANGUP` line: the channel hung up (or the AGI ended); sent at most twice per connection. */
  | { readonly type: 'hangup' }
  | { readonly type: 'error'; readonly error: AgiProtocolError };

/** GET VARIABLE / GET FULL VARIABLE: the value when set (`result=1 (value)`), else undefined. */
export function variableValue(reply: AgiResultReply): string | undefined {
  return reply.result === '1' ? (reply.data ?? '') : undefined;
}

import type { AgiReply } from './agi-message.js';

/**
 * Errors of the FastAGI protocol layer. Each carries a code; the FastAGI server maps them to a
 * log line and closes the connection (Asterisk then continues the dialplan with AGISTATUS=FAILURE).
 */

/** The bytes Asterisk (or whoever connected) sent are not a FastAGI conversation we accept. */
export enum AgiProtocolErrorCode {
  /** A line longer than `maxLineBytes` (no LF in sight): never buffered further. */
  LINE_TOO_LONG = 'AGI_LINE_TOO_LONG',
  /** The `agi_*` header block exceeds `maxBlockBytes` or `maxBlockLines`. */
  HEADER_TOO_LARGE = 'AGI_HEADER_TOO_LARGE',
  /** A header line that is not `agi_<name>: <value>` (e.g. an HTTP request sent to the AGI port). */
  INVALID_HEADER_LINE = 'AGI_INVALID_HEADER_LINE',
  /** The same `agi_*` key twice in one header block. */
  DUPLICATE_HEADER = 'AGI_DUPLICATE_HEADER',
  /** The header block ended without `agi_request`. */
  MISSING_REQUEST = 'AGI_MISSING_REQUEST',
  /** After the header: a line that is neither `NNN ...` nor `HANGUP`. */
  INVALID_REPLY = 'AGI_INVALID_REPLY',
  /** A `520-` usage block longer than `maxBlockBytes` or `maxBlockLines`. */
  USAGE_TOO_LARGE = 'AGI_USAGE_TOO_LARGE',
  /** The connection ended in the middle of a line, the header block or a usage block. */
  TRUNCATED = 'AGI_TRUNCATED',
}

export class AgiProtocolError extends Error {
  override readonly name = 'AgiProtocolError';

  constructor(
    readonly code: AgiProtocolErrorCode,
    message: string,
    /** The offending line (at most 200 characters), for the log. */
    readonly line?: string,
  ) {
    super(message);
  }
}

/** A command the server was about to send cannot be written safely. */
export enum AgiCommandErrorCode {
  /** Longer than res_agi reads as one command (AGI_BUF_LEN): the tail would run as a second command. */
  COMMAND_TOO_LONG = 'AGI_COMMAND_TOO_LONG',
  /** A command word, variable or application name that is empty or has whitespace, quotes or controls. */
  INVALID_NAME = 'AGI_INVALID_NAME',
  /** A number that is not a finite integer, a verbose level outside 1..4, a multi-line command. */
  INVALID_ARGUMENT = 'AGI_INVALID_ARGUMENT',
}

export class AgiCommandError extends Error {
  override readonly name = 'AgiCommandError';

  constructor(
    readonly code: AgiCommandErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Why a command sent through an AgiSession did not get a 200. */
export enum AgiSessionErrorCode {
  /** Asterisk sent `HANGUP` while the command was waiting for its reply. */
  HANGUP = 'AGI_HANGUP',
  /** `511`: the channel is gone and this command cannot run on a dead channel. */
  DEAD_CHANNEL = 'AGI_DEAD_CHANNEL',
  /** `510 Invalid or unknown command`. */
  INVALID_COMMAND = 'AGI_INVALID_COMMAND',
  /** `520`: wrong arguments; the usage text is on the reply. */
  INVALID_SYNTAX = 'AGI_INVALID_SYNTAX',
  /** Any other non-200 final reply (e.g. `503 result=-2 Memory allocation failure`). */
  COMMAND_FAILED = 'AGI_COMMAND_FAILED',
  /** More commands in flight than `maxPending`. */
  TOO_MANY_PENDING = 'AGI_TOO_MANY_PENDING',
  /** A reply arrived with no command waiting for it: the conversation is out of step. */
  UNEXPECTED_REPLY = 'AGI_UNEXPECTED_REPLY',
  /** The connection closed (or the parser failed) before the reply arrived. */
  CLOSED = 'AGI_CLOSED',
}

export class AgiSessionError extends Error {
  override readonly name = 'AgiSessionError';

  constructor(
    readonly code: AgiSessionErrorCode,
    message: string,
    /** The command line (without its LF) this error answers, when there is one. */
    readonly command?: string,
    /** The reply that caused the error, when there is one. */
    readonly reply?: AgiReply,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

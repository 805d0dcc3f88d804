/** Why the AMI parser dropped a frame, or why the serializer refused a key. */
export enum AmiProtocolErrorCode {
  /** A line (without its CR LF) is longer than `maxLineBytes`. */
  LINE_TOO_LONG = 'LINE_TOO_LONG',
  /** A frame is longer than `maxMessageBytes` before its blank line arrived. */
  MESSAGE_TOO_LONG = 'MESSAGE_TOO_LONG',
  /** A frame has more than `maxHeadersPerMessage` header lines. */
  TOO_MANY_HEADERS = 'TOO_MANY_HEADERS',
  /** A line inside a frame has no `:` or an empty key. */
  MALFORMED_LINE = 'MALFORMED_LINE',
  /** Serializer: a field key is empty, or is `Action` / `ActionID` (pass those as arguments). */
  INVALID_KEY = 'INVALID_KEY',
}

export class AmiProtocolError extends Error {
  override readonly name = 'AmiProtocolError';

  constructor(
    readonly code: AmiProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

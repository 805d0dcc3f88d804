import type { AmiMessage } from './ami-message.js';
import { AmiProtocolError, AmiProtocolErrorCode } from './ami-protocol-error.js';

export type AmiFieldValue = string | number | boolean | readonly string[] | undefined;
export type AmiFields = Record<string, AmiFieldValue>;

// CR or LF would end the header line (a caller name could smuggle in "\r\nAction: Hangup");
// NUL ends a C string inside Asterisk.
const LINE_BREAKING = /[\r\n\0]/;
const LINE_BREAKING_ALL = /[\r\n\0]/g;
const KEY_UNSAFE_ALL = /[\r\n\0:]/g;

function clean(value: string): string {
  return LINE_BREAKING.test(value) ? value.replace(LINE_BREAKING_ALL, '') : value;
}

function cleanKey(key: string): string {
  const k = key.replace(KEY_UNSAFE_ALL, '').trim();
  if (k === '')
    throw new AmiProtocolError(AmiProtocolErrorCode.INVALID_KEY, `unusable AMI key ${JSON.stringify(key)}`);
  const lower = k.toLowerCase();
  if (lower === 'action' || lower === 'actionid') {
    throw new AmiProtocolError(
      AmiProtocolErrorCode.INVALID_KEY,
      `${k} is set by serializeAction's own arguments`,
    );
  }
  return k;
}

/**
 * One action frame: `Action: X\r\nActionID: Y\r\nKey: Value\r\n...\r\n\r\n`.
 * Array values repeat the key (`Variable: A=1`, `Variable: B=2`); undefined values are left out.
 * CR, LF and NUL are removed from every key and value, and `:` from keys, so no value can add
 * a header or a second action.
 */
export function serializeAction(action: string, fields?: AmiFields, actionId?: string): string {
  let out = 'Action: ' + clean(action) + '\r\n';
  if (actionId !== undefined) out += 'ActionID: ' + clean(actionId) + '\r\n';
  if (fields !== undefined) {
    for (const rawKey of Object.keys(fields)) {
      const value = fields[rawKey];
      if (value === undefined || value === null) continue;
      const key = cleanKey(rawKey);
      if (typeof value === 'string') {
        out += key + ': ' + clean(value) + '\r\n';
      } else if (Array.isArray(value)) {
        for (const item of value as readonly string[]) out += key + ': ' + clean(String(item)) + '\r\n';
      } else {
        out += key + ': ' + clean(String(value)) + '\r\n';
      }
    }
  }
  return out + '\r\n';
}

const REDACTED = '***';

/**
 * A copy fit for a debug log: the value of `Secret` is replaced by `***`, and so is `Key` in a
 * `Login` action (the MD5 digest of a challenge login). Accepts raw AMI text (any number of
 * frames, CR LF or LF), an AmiMessage, or serializeAction fields (pass the action name when the
 * fields do not hold it).
 */
export function redactForLog(text: string): string;
export function redactForLog(message: AmiMessage): AmiMessage;
export function redactForLog<T extends AmiFields>(fields: T, action?: string): T;
export function redactForLog(
  input: string | AmiMessage | AmiFields,
  action?: string,
): string | AmiMessage | AmiFields {
  if (typeof input === 'string') return redactText(input);
  if (isMessage(input)) {
    const headers = redactRecord(input.headers, undefined) as AmiMessage['headers'];
    return { type: input.type, headers };
  }
  return redactRecord(input, action);
}

function isMessage(input: AmiMessage | AmiFields): input is AmiMessage {
  const h = (input as { headers?: unknown }).headers;
  return (
    typeof (input as { type?: unknown }).type === 'string' &&
    typeof h === 'object' &&
    h !== null &&
    !Array.isArray(h)
  );
}

function redactRecord<T extends Record<string, unknown>>(record: T, action: string | undefined): T {
  let isLogin = action !== undefined && action.trim().toLowerCase() === 'login';
  const copy: Record<string, unknown> = Object.create(Object.getPrototypeOf(record));
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (
      key.toLowerCase() === 'action' &&
      typeof value === 'string' &&
      value.trim().toLowerCase() === 'login'
    ) {
      isLogin = true;
    }
    copy[key] = value;
  }
  for (const key of Object.keys(copy)) {
    const lower = key.toLowerCase().trim();
    if (copy[key] !== undefined && (lower === 'secret' || (isLogin && lower === 'key'))) copy[key] = REDACTED;
  }
  return copy as T;
}

function redactText(text: string): string {
  const lines = text.split('\n');
  let frameStart = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || lines[i] === '' || lines[i] === '\r') {
      redactFrame(lines, frameStart, i);
      frameStart = i + 1;
    }
  }
  return lines.join('\n');
}

function redactFrame(lines: string[], from: number, to: number): void {
  let isLogin = false;
  for (let i = from; i < to; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0 && lines[i].slice(0, colon).trim().toLowerCase() === 'action') {
      isLogin ||=
        lines[i]
          .slice(colon + 1)
          .trim()
          .toLowerCase() === 'login';
    }
  }
  for (let i = from; i < to; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (key === 'secret' || (isLogin && key === 'key')) {
      lines[i] = line.slice(0, colon) + ': ' + REDACTED + (line.endsWith('\r') ? '\r' : '');
    }
  }
}

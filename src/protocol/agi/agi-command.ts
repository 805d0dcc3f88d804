import { AgiCommandError, AgiCommandErrorCode } from './agi.exception.js';

/**
 * Serializers for the commands a FastAGI server sends, each one line ending in LF, written for
 * res_agi.c's reader:
 *
 * - run_agi() reads a command with fgets() into `char buf[AGI_BUF_LEN]` (2048): a line longer than
 *   2047 bytes (LF included) is cut there and its tail is read as a *second command*, so such a
 *   line is refused here (AGI_MAX_COMMAND_BYTES).
 * - Only the final LF is removed before parse_args(): a CR would stay in the last argument, so we
 *   end lines with LF alone, and CR/LF inside a value are replaced by a space (a contact name can
 *   never start a second command). NUL is dropped (C strings would end there).
 * - parse_args(): words are split on space and tab; `"` toggles quoting; `\` makes the next
 *   character literal (so `\"` and `\\` inside quotes). Values are therefore written
 *   `"` + value with `\` -> `\\` and `"` -> `\"` + `"`. Bytes >= 0x80 pass through, so UTF-8
 *   (Cyrillic names) arrives intact.
 */

/** fgets() into a 2048-byte buffer reads at most 2047 bytes: the whole line, LF included, must fit. */
export const AGI_MAX_COMMAND_BYTES = 2047;

/** A word that parse_args() reads back unchanged without quotes. */
const BARE = /^[^\s"\\\0]+$/;
const COMMAND_NAME = /^[A-Za-z]+(?: [A-Za-z]+)*$/;
const APP_NAME = /^[A-Za-z0-9_]+$/;

export type AgiArg = string | number;

/** `"value"` with `\` and `"` escaped and CR/LF/NUL neutralised, as parse_args() reads it back. */
export function quote(value: string): string {
  return `"${sanitize(value).replace(/[\\"]/g, '\\$&')}"`;
}

/** `GET VARIABLE <name>` -> `200 result=1 (value)` or `200 result=0`. */
export function getVariable(name: string): string {
  return line(`GET VARIABLE ${name_(name, 'variable')}`);
}

/** `GET FULL VARIABLE "<expression>"`: evaluates `${...}` expressions, e.g. `${CALLERID(num)}`. */
export function getFullVariable(expression: string): string {
  return line(`GET FULL VARIABLE ${quote(expression)}`);
}

/** `SET VARIABLE <name> "<value>"` -> `200 result=1`. The value is always quoted (it may be empty). */
export function setVariable(name: string, value: string): string {
  return line(`SET VARIABLE ${name_(name, 'variable')} ${quote(value)}`);
}

/** `VERBOSE "<message>" <level>`: a line on the Asterisk console at verbosity 1..4. */
export function verbose(message: string, level = 1): string {
  if (!Number.isInteger(level) || level < 1 || level > 4) {
    throw new AgiCommandError(
      AgiCommandErrorCode.INVALID_ARGUMENT,
      `verbose level must be 1..4, got ${level}`,
    );
  }
  return line(`VERBOSE ${quote(message)} ${level}`);
}

/** `NOOP [text]`: does nothing; answers `200 result=0`. Handy as a ping or a log marker. */
export function noop(text?: string): string {
  return text === undefined ? line('NOOP') : line(`NOOP ${arg(text)}`);
}

/** `HANGUP [channel]`: hangs up this channel (or the named one). */
export function hangup(channel?: string): string {
  return channel === undefined ? line('HANGUP') : line(`HANGUP ${arg(channel)}`);
}

/**
 * `EXEC <app> "<options>"`: runs a dialplan application. res_agi passes a single options
 * argument to the application, so several options are joined with `,` (the application's own
 * separator); commas inside one option are the caller's business.
 */
export function exec(app: string, options?: string | readonly string[]): string {
  if (!APP_NAME.test(app)) {
    throw new AgiCommandError(
      AgiCommandErrorCode.INVALID_NAME,
      `invalid application name ${JSON.stringify(app)}`,
    );
  }
  if (options === undefined) return line(`EXEC ${app}`);
  const joined = typeof options === 'string' ? options : options.join(',');
  return line(`EXEC ${app} ${quote(joined)}`);
}

/**
 * Any command: `command('DATABASE GET', 'crm', 'contact/74951234567')`. Strings are written bare
 * when parse_args() reads them back unchanged, else quoted; numbers must be finite integers.
 */
export function command(name: string, ...args: readonly AgiArg[]): string {
  if (!COMMAND_NAME.test(name)) {
    throw new AgiCommandError(
      AgiCommandErrorCode.INVALID_NAME,
      `invalid command name ${JSON.stringify(name)}`,
    );
  }
  return line([name, ...args.map(arg)].join(' '));
}

/**
 * Asterisk's side: how res_agi.c parse_args() splits one command line into words (a faithful
 * port, for tests and for the FastAGI client that plays Asterisk). The trailing LF is removed
 * first, as run_agi() does; a CR is not.
 */
export function parseCommandLine(commandLine: string): string[] {
  const s = commandLine.endsWith('\n') ? commandLine.slice(0, -1) : commandLine;
  const MAX_ARGS = 128;
  const argv: string[] = [];
  let cur: string[] | undefined;
  let quoted = false;
  let escaped = false;
  let whitespace = true;
  const startWord = () => {
    cur = [];
    argv.push('');
    whitespace = false;
  };
  const flush = () => {
    if (cur) argv[argv.length - 1] = cur.join('');
  };
  for (const ch of s) {
    if (ch === '\0') break; // C string
    if (ch === '"' && !escaped) {
      quoted = !quoted;
      if (quoted && whitespace) startWord();
      escaped = false;
      continue;
    }
    if ((ch === ' ' || ch === '\t') && !quoted && !escaped) {
      flush();
      cur = undefined;
      whitespace = true;
      continue;
    }
    if (ch === '\\' && !escaped) {
      escaped = true;
      continue;
    }
    if (whitespace) {
      if (argv.length >= MAX_ARGS - 1) continue; // "Too many arguments, truncating"
      startWord();
    }
    cur?.push(ch);
    escaped = false;
  }
  flush();
  return argv;
}

function arg(value: AgiArg): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new AgiCommandError(
        AgiCommandErrorCode.INVALID_ARGUMENT,
        `argument must be an integer, got ${value}`,
      );
    }
    return String(value);
  }
  return BARE.test(value) ? value : quote(value);
}

/** Variable names come from our code, not from callers: refuse rather than quote anything odd. */
function name_(name: string, what: string): string {
  if (!BARE.test(name)) {
    throw new AgiCommandError(
      AgiCommandErrorCode.INVALID_NAME,
      `invalid ${what} name ${JSON.stringify(name)}`,
    );
  }
  return name;
}

function sanitize(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/\0/g, '');
}

function line(text: string): string {
  const out = `${text}\n`;
  const bytes = Buffer.byteLength(out, 'utf8');
  if (bytes > AGI_MAX_COMMAND_BYTES) {
    throw new AgiCommandError(
      AgiCommandErrorCode.COMMAND_TOO_LONG,
      `command is ${bytes} bytes; res_agi reads at most ${AGI_MAX_COMMAND_BYTES} per command`,
    );
  }
  return out;
}

import { AgiProtocolError, AgiProtocolErrorCode } from './agi.exception.js';
import type { AgiParserEvent, AgiReply, AgiRequest, AgiResultReply } from './agi-message.js';

/**
 * Streaming reader for what Asterisk sends on a FastAGI connection (res_agi.c):
 *
 *   agi_network: yes\n agi_network_script: ...\n agi_request: ...\n ... agi_arg_N: ...\n \n
 *   200 result=1 (+79161234567)\n          one line per command the server sent
 *   520-Invalid command syntax.  Proper usage follows:\n <usage lines>\n 520 End of proper usage.\n
 *   HANGUP\n                               when the channel hangs up and when the AGI ends
 *
 * Lines end in LF (a CR before it is tolerated). `push()` accepts any fragmentation of the
 * bytes; lines are decoded as UTF-8 only once complete, so a character split across TCP reads
 * is intact and invalid bytes become U+FFFD instead of throwing. Nothing grows without a bound:
 * a line, the header block and a usage block each have a limit, and passing one is an
 * AgiProtocolError (emitted once; the parser then ignores further input).
 */
export interface AgiParserOptions {
  /** Longest line accepted, LF excluded. Default 8 KiB (GET FULL VARIABLE can return long values). */
  readonly maxLineBytes?: number;
  /** Largest header block and largest `520-` usage block, in bytes. Default 16 KiB. */
  readonly maxBlockBytes?: number;
  /** Most lines in the header block (23 fixed + agi_arg_1..127 in Asterisk 22) or a usage block. Default 200. */
  readonly maxBlockLines?: number;
}

const LF = 0x0a;
const USAGE_END = '520 End of proper usage.';
const HEADER_KEY = /^agi_[A-Za-z0-9_]+$/;
const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;
/** A `key=value` attribute after the result (`endpos=8640`, `digit=*`), with the spaces after it. */
const ATTRIBUTE = /^([A-Za-z_]+)=(\S*)(?: +|$)/;
const ARG_KEY = /^agi_arg_(\d+)$/;
const INTEGER = /^-?\d+$/;

type State = 'header' | 'replies' | 'usage' | 'done';

export class AgiRequestParser {
  private readonly maxLineBytes: number;
  private readonly maxBlockBytes: number;
  private readonly maxBlockLines: number;

  private state: State = 'header';
  /** Bytes of the line not yet ended by LF (copies, so a large socket chunk is not retained). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Size of the header block or usage block read so far. */
  private blockBytes = 0;
  private blockLines = 0;
  private headers: Record<string, string> = Object.create(null) as Record<string, string>;
  private usageMessage = '';
  private usageLines: string[] = [];
  private usageRaw: string[] = [];

  constructor(
    private readonly emit: (event: AgiParserEvent) => void,
    options: AgiParserOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 8 * 1024;
    this.maxBlockBytes = options.maxBlockBytes ?? 16 * 1024;
    this.maxBlockLines = options.maxBlockLines ?? 200;
  }

  /** Bytes held while waiting for the end of a line (never more than the limits). */
  get bufferedBytes(): number {
    return this.partialBytes;
  }

  /** True after an error or `end()`: further input is ignored. */
  get finished(): boolean {
    return this.state === 'done';
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (this.state !== 'done') {
      const lf = buf.indexOf(LF, start);
      if (lf === -1) {
        this.keepPartial(buf, start);
        return;
      }
      let line: Buffer;
      if (this.partialBytes === 0) {
        line = buf.subarray(start, lf);
      } else {
        this.partial.push(buf.subarray(start, lf));
        line = Buffer.concat(this.partial, this.partialBytes + (lf - start));
        this.partial = [];
        this.partialBytes = 0;
      }
      start = lf + 1;
      if (this.overLimit(line.length, true)) return;
      this.onLine(line);
    }
  }

  /** The connection ended: an unfinished line, header block or usage block is an error. */
  end(): void {
    if (this.state === 'done') return;
    const midHeader = this.state === 'header' && this.blockLines > 0;
    if (this.partialBytes > 0 || midHeader || this.state === 'usage') {
      this.fail(AgiProtocolErrorCode.TRUNCATED, `connection ended inside ${this.describeState()}`);
    }
    this.state = 'done';
    this.partial = [];
    this.partialBytes = 0;
  }

  private keepPartial(buf: Buffer, start: number): void {
    const rest = buf.length - start;
    if (rest === 0 || this.overLimit(this.partialBytes + rest, false)) return;
    this.partial.push(Buffer.from(buf.subarray(start)));
    this.partialBytes += rest;
  }

  /** Checks a line (complete, or the part seen so far) against the limits; fails and returns true when over. */
  private overLimit(lineBytes: number, complete: boolean): boolean {
    if (lineBytes > this.maxLineBytes) {
      this.fail(AgiProtocolErrorCode.LINE_TOO_LONG, `line longer than ${this.maxLineBytes} bytes`);
      return true;
    }
    if (this.state === 'header' || this.state === 'usage') {
      const blockBytes = this.blockBytes + lineBytes + (complete ? 1 : 0);
      const blockLines = this.blockLines + (complete ? 1 : 0);
      if (blockBytes > this.maxBlockBytes || blockLines > this.maxBlockLines) {
        const code =
          this.state === 'header'
            ? AgiProtocolErrorCode.HEADER_TOO_LARGE
            : AgiProtocolErrorCode.USAGE_TOO_LARGE;
        this.fail(
          code,
          `${this.describeState()} larger than ${this.maxBlockBytes} bytes or ${this.maxBlockLines} lines`,
        );
        return true;
      }
      if (complete) {
        this.blockBytes = blockBytes;
        this.blockLines = blockLines;
      }
    }
    return false;
  }

  private onLine(bytes: Buffer): void {
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    switch (this.state) {
      case 'header':
        return this.onHeaderLine(text);
      case 'usage':
        return this.onUsageLine(text);
      case 'replies':
        return this.onReplyLine(text);
    }
  }

  private onHeaderLine(text: string): void {
    if (text === '') return this.finishHeader();
    const colon = text.indexOf(':');
    const key = colon === -1 ? '' : text.slice(0, colon);
    if (!HEADER_KEY.test(key)) {
      return this.fail(
        AgiProtocolErrorCode.INVALID_HEADER_LINE,
        'header line is not "agi_<name>: <value>"',
        text,
      );
    }
    if (key in this.headers) {
      return this.fail(AgiProtocolErrorCode.DUPLICATE_HEADER, `header ${key} sent twice`, text);
    }
    // Asterisk writes "%s: %s"; values may themselves hold ':' (agi_request: agi://host:4573/...).
    const value = text.charCodeAt(colon + 1) === 0x20 ? text.slice(colon + 2) : text.slice(colon + 1);
    this.headers[key] = value;
  }

  private finishHeader(): void {
    const raw = this.headers;
    if (raw.agi_request === undefined) {
      return this.fail(AgiProtocolErrorCode.MISSING_REQUEST, 'header block ended without agi_request');
    }
    this.headers = Object.create(null) as Record<string, string>;
    this.state = 'replies';
    this.blockBytes = 0;
    this.blockLines = 0;
    this.emit({ type: 'request', request: buildRequest(raw) });
  }

  private onReplyLine(text: string): void {
    if (text === '') return; // never sent by Asterisk; harmless
    if (text === 'HANGUP') return this.emit({ type: 'hangup' });
    const m = REPLY_LINE.exec(text);
    if (!m)
      return this.fail(AgiProtocolErrorCode.INVALID_REPLY, 'reply is neither "NNN ..." nor HANGUP', text);
    const code = Number(m[1]);
    const rest = m[3] ?? '';
    if (code === 520 && m[2] === '-') {
      this.state = 'usage';
      this.blockBytes = Buffer.byteLength(text) + 1;
      this.blockLines = 1;
      this.usageMessage = rest;
      this.usageLines = [];
      this.usageRaw = [text];
      return;
    }
    this.emit({ type: 'reply', reply: parseReply(code, rest, text) });
  }

  private onUsageLine(text: string): void {
    this.usageRaw.push(text);
    // Older res_agi wrote the usage without a final LF, gluing "520 End of proper usage." to its last line.
    const ended = text.endsWith(USAGE_END);
    if (!ended || text.length > USAGE_END.length) {
      this.usageLines.push(ended ? text.slice(0, -USAGE_END.length) : text);
    }
    if (!ended) return;
    const reply: AgiReply = {
      kind: 'usage',
      code: 520,
      message: this.usageMessage,
      usage: this.usageLines,
      raw: this.usageRaw.join('\n'),
    };
    this.state = 'replies';
    this.blockBytes = 0;
    this.blockLines = 0;
    this.usageLines = [];
    this.usageRaw = [];
    this.emit({ type: 'reply', reply });
  }

  private describeState(): string {
    if (this.state === 'header') return 'the agi_* header block';
    if (this.state === 'usage') return 'a 520 usage block';
    return 'a reply line';
  }

  private fail(code: AgiProtocolErrorCode, message: string, line?: string): void {
    this.state = 'done';
    this.partial = [];
    this.partialBytes = 0;
    this.emit({ type: 'error', error: new AgiProtocolError(code, message, line?.slice(0, 200)) });
  }
}

function parseReply(code: number, rest: string, raw: string): AgiReply {
  if (rest.startsWith('result=')) return parseResult(code, rest.slice('result='.length), raw);
  switch (code) {
    case 510:
      return { kind: 'invalid-command', code, message: rest, raw };
    case 511:
      return { kind: 'dead-channel', code, message: rest, raw };
    case 520:
      return { kind: 'usage', code, message: rest, usage: [], raw };
    default:
      return { kind: 'other', code, message: rest, raw };
  }
}

/** `X[ (data)][ key=value ...][ text]` after `result=`. */
function parseResult(code: number, afterResult: string, raw: string): AgiResultReply {
  const space = afterResult.indexOf(' ');
  const result = space === -1 ? afterResult : afterResult.slice(0, space);
  let rest = space === -1 ? '' : afterResult.slice(space + 1);
  let data: string | undefined;
  if (rest.startsWith('(')) {
    // The data is printed as-is ("(%s)") and may hold parentheses itself (a contact "Ivan (ACME)"):
    // it ends at the last ')' that is followed by the end of the line or by " key=value".
    for (let i = rest.lastIndexOf(')'); i > 0; i = rest.lastIndexOf(')', i - 1)) {
      const after = rest.slice(i + 1);
      if (after === '' || (after.startsWith(' ') && ATTRIBUTE.test(after.slice(1)))) {
        data = rest.slice(1, i);
        rest = after.slice(1);
        break;
      }
    }
  }
  let attributes: Record<string, string> | undefined;
  let endpos: number | undefined;
  for (let m = ATTRIBUTE.exec(rest); m; m = ATTRIBUTE.exec(rest)) {
    if (m[1] === 'endpos' && INTEGER.test(m[2])) endpos = Number(m[2]);
    else (attributes ??= Object.create(null) as Record<string, string>)[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
  const reply: { -readonly [K in keyof AgiResultReply]: AgiResultReply[K] } = {
    kind: 'result',
    code,
    result,
    raw,
  };
  if (data !== undefined) reply.data = data;
  if (endpos !== undefined) reply.endpos = endpos;
  if (attributes) reply.attributes = attributes;
  if (rest !== '') reply.text = rest;
  return reply;
}

function buildRequest(raw: Record<string, string>): AgiRequest {
  const text = (key: string): string | undefined => (raw[key] === '' ? undefined : raw[key]);
  // setup_env() prints "unknown" for a caller number/name, DNID or RDNIS the channel does not have.
  const known = (key: string): string | undefined => (raw[key] === 'unknown' ? undefined : text(key));
  const int = (key: string): number | undefined => {
    const v = raw[key];
    return v !== undefined && INTEGER.test(v) ? Number(v) : undefined;
  };
  const numbered: Array<[number, string]> = [];
  for (const key of Object.keys(raw)) {
    const m = ARG_KEY.exec(key);
    if (m) numbered.push([Number(m[1]), raw[key]]);
  }
  numbered.sort((a, b) => a[0] - b[0]);
  const script = raw.agi_network_script ?? scriptOfUrl(raw.agi_request);
  const q = script.indexOf('?');
  return {
    network: raw.agi_network === 'yes',
    networkScript: raw.agi_network_script,
    request: raw.agi_request,
    route: (q === -1 ? script : script.slice(0, q)).replace(/^\/+|\/+$/g, ''),
    query: parseQuery(q === -1 ? '' : script.slice(q + 1)),
    channel: text('agi_channel'),
    language: text('agi_language'),
    type: text('agi_type'),
    uniqueId: text('agi_uniqueid'),
    version: text('agi_version'),
    callerId: known('agi_callerid'),
    callerIdName: known('agi_calleridname'),
    callingPres: int('agi_callingpres'),
    callingAni2: int('agi_callingani2'),
    callingTon: int('agi_callington'),
    callingTns: int('agi_callingtns'),
    dnid: known('agi_dnid'),
    rdnis: known('agi_rdnis'),
    context: text('agi_context'),
    extension: text('agi_extension'),
    priority: int('agi_priority'),
    enhanced: raw.agi_enhanced === '1.0',
    accountCode: text('agi_accountcode'),
    threadId: text('agi_threadid'),
    args: numbered.map(([, v]) => v),
    raw,
  };
}

/** `agi://host:port/path?query` -> `path?query` (what Asterisk sends as agi_network_script). */
function scriptOfUrl(url: string): string {
  const scheme = url.indexOf('://');
  const afterHost = url.indexOf('/', scheme === -1 ? 0 : scheme + 3);
  return afterHost === -1 ? '' : url.slice(afterHost + 1);
}

/**
 * Not URLSearchParams: it turns `+` into a space, and Asterisk does not encode the dialplan values
 * it substitutes into the URL (`?did=${EXTEN}` can be `+74951234567`). First value of a key wins.
 */
function parseQuery(query: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = percentDecode(eq === -1 ? part : part.slice(0, eq));
    if (!(key in out)) out[key] = eq === -1 ? '' : percentDecode(part.slice(eq + 1));
  }
  return out;
}

function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray '%' is kept as sent
  }
}

import type { AmiMessage, AmiMessageType } from './ami-message.js';
import { AmiProtocolError, AmiProtocolErrorCode } from './ami-protocol-error.js';

export interface AmiParserOptions {
  /** Longest accepted line, CR LF excluded. Default 8192. */
  maxLineBytes?: number;
  /** Longest accepted frame, line ends included. Default 256 KiB. */
  maxMessageBytes?: number;
  /** Most header lines in one frame. Default 8192. */
  maxHeadersPerMessage?: number;
  /** Told once per dropped frame; parsing resumes after the frame's blank line. */
  onError?: (err: AmiProtocolError) => void;
  /** The stream starts with a `Asterisk Call Manager/x.y.z` line. Default true; false for a server reading actions. */
  expectBanner?: boolean;
}

type Headers = Record<string, string | string[]>;

/**
 * Headers live on objects whose prototype holds nothing: `__proto__`, `constructor` or `toString`
 * from the network are plain keys. Unlike Object.create(null) (a dictionary object in V8),
 * objects made by a constructor keep fast hidden-class property access.
 */
const HeaderBag = function HeaderBag() {} as unknown as new () => Headers;
HeaderBag.prototype = Object.create(null);

/** One lower-cased key; every spelling of it (`Channel`, `CHANNEL`) shares it. */
class HeaderKey {
  /** Number of the last frame that had this key: tells a repeated key without a property lookup. */
  frame = 0;

  constructor(
    readonly name: string,
    /** False once the caches are full: such keys take the slower, lookup-based path. */
    readonly cached: boolean,
  ) {}
}

/** One distinct raw key as it appears on the wire, e.g. `CallerIDNum`. */
class RawKey {
  /** The key seen after this one last time (AMI frames repeat the same key order per event). */
  next: RawKey | null = null;
  /** An ASCII key of 4+ bytes as 32-bit words, to be compared against the bytes 4 at a time. */
  readonly words: Int32Array | null;

  constructor(
    readonly raw: string,
    readonly key: HeaderKey,
  ) {
    this.words = keyWords(raw);
  }
}

/**
 * Little-endian words at byte offsets 0, 4, ... and one last word ending at the key's last byte
 * (overlapping the one before it when the length is not a multiple of 4).
 */
function keyWords(raw: string): Int32Array | null {
  // Only pure ASCII: then equal bytes mean equal decoded text.
  if (raw.length < 4 || Buffer.byteLength(raw, 'utf8') !== raw.length) return null;
  const bytes = Buffer.from(raw, 'latin1');
  const n = Math.ceil(raw.length / 4);
  const words = new Int32Array(n);
  for (let i = 0; i < n - 1; i++) words[i] = bytes.readInt32LE(i * 4);
  words[n - 1] = bytes.readInt32LE(raw.length - 4);
  return words;
}

/** bytes[at, at + len) holds the key whose keyWords() are `words`. */
function sameWords(view: DataView, at: number, words: Int32Array, len: number): boolean {
  const last = words.length - 1;
  for (let i = 0; i < last; i++) if (view.getInt32(at + i * 4, true) !== words[i]) return false;
  return view.getInt32(at + len - 4, true) === words[last];
}

/** text[at, at + s.length) === s, without a builtin call (keys are short). */
function sameChars(text: string, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (text.charCodeAt(at + i) !== s.charCodeAt(i)) return false;
  return true;
}

/** The same string, internalized by V8 (as property keys are), so that using it as a key is cheap. */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** Lower-cased keys are cached (a few hundred distinct keys exist); bounded because the network feeds it. */
const KEY_CACHE_LIMIT = 2048;
/** `\n\r\n`: the end of a CR LF frame, searched in bytes so that each frame is decoded on its own. */
const FRAME_END = Buffer.from('\n\r\n', 'latin1');

/**
 * Streaming AMI decoder: bytes in, one callback per frame (`Key: Value` lines ending in a blank line).
 *
 * Complete lines are decoded straight out of each chunk, one `toString` per frame rather than per
 * line (so a header value that a caller keeps retains at most its own frame's string). Only the
 * trailing partial line is copied into an internal buffer, which therefore never holds more than
 * `maxLineBytes + 1` bytes. A bad line or an oversized frame is reported once through `onError`,
 * and the rest of that frame is dropped up to its blank line.
 *
 * Callbacks must not throw: an exception propagates out of `push()` and the rest of that chunk is lost
 * (call `reset()` before reusing the parser).
 */
export class AmiParser {
  private readonly maxLineBytes: number;
  private readonly maxMessageBytes: number;
  private readonly maxHeaders: number;
  private readonly onError: ((err: AmiProtocolError) => void) | undefined;
  private readonly expectBanner: boolean;
  private readonly rawKeys = new Map<string, RawKey>();
  private readonly keys = new Map<string, HeaderKey>();
  /** Key of the previous header in the current frame, and the usual first key of a frame. */
  private prevKey: RawKey | null = null;
  private firstKey: RawKey | null = null;
  private frameNo = 0;

  /** Partial line carried to the next chunk. Allocated on first use, capacity maxLineBytes + 2. */
  private pending: Buffer | undefined;
  private pendingLen = 0;
  private pendingView: DataView | undefined;
  /** An overlong partial line was thrown away: the next LF ends a (non-empty, already reported) line. */
  private discardingLine = false;

  private headers: Headers | null = null;
  private type: AmiMessageType = 'unknown';
  private headerCount = 0;
  private messageBytes = 0;
  /** Dropping lines up to the next blank line after an error. */
  private skipping = false;

  private awaitingBanner: boolean;
  private bannerLine: string | undefined;

  constructor(
    private readonly onMessage: (msg: AmiMessage) => void,
    options: AmiParserOptions = {},
  ) {
    this.maxLineBytes = positive(options.maxLineBytes, 8192, 'maxLineBytes');
    this.maxMessageBytes = positive(options.maxMessageBytes, 256 * 1024, 'maxMessageBytes');
    this.maxHeaders = positive(options.maxHeadersPerMessage, 8192, 'maxHeadersPerMessage');
    this.onError = options.onError;
    this.expectBanner = options.expectBanner ?? true;
    this.awaitingBanner = this.expectBanner;
  }

  /** The greeting line (`Asterisk Call Manager/11.0.0`), once it has arrived. */
  get banner(): string | undefined {
    return this.bannerLine;
  }

  /** Bytes held for an incomplete line; never more than maxLineBytes + 1. */
  get bufferedBytes(): number {
    return this.pendingLen;
  }

  /** Forget everything, as for a new connection (the banner is expected again). */
  reset(): void {
    this.pendingLen = 0;
    this.discardingLine = false;
    this.dropMessage();
    this.skipping = false;
    this.awaitingBanner = this.expectBanner;
    this.bannerLine = undefined;
  }

  push(chunk: Buffer): void {
    const end = chunk.length;
    let start = 0;
    if (end === 0) return;

    if (this.pendingLen > 0 || this.discardingLine) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        this.keepPartial(chunk, 0, end);
        return;
      }
      start = lf + 1;
      if (this.discardingLine) {
        this.discardingLine = false;
      } else {
        const crBeforeLf = lf > 0 ? chunk[lf - 1] === CR : this.pending![this.pendingLen - 1] === CR;
        if (this.pendingLen + lf - (crBeforeLf ? 1 : 0) > this.maxLineBytes) {
          this.pendingLen = 0;
          this.fail(AmiProtocolErrorCode.LINE_TOO_LONG, `line longer than ${this.maxLineBytes} bytes`);
        } else {
          const pending = this.pending!;
          chunk.copy(pending, this.pendingLen, 0, start);
          const len = this.pendingLen + start;
          this.pendingLen = 0;
          this.pendingView ??= new DataView(pending.buffer, pending.byteOffset, pending.byteLength);
          this.parseLines(pending, this.pendingView, 0, len);
        }
      }
    }

    if (start < end) {
      const limit = chunk.lastIndexOf(LF) + 1;
      let view: DataView | undefined;
      while (start < limit) {
        // Up to the next CR LF frame end; a stream with bare LF line ends is taken in one piece.
        const frameEnd = chunk.indexOf(FRAME_END, start);
        const to = frameEnd === -1 || frameEnd + 3 > limit ? limit : frameEnd + 3;
        view ??= new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        this.parseLines(chunk, view, start, to);
        start = to;
      }
      if (start < end) this.keepPartial(chunk, start, end);
    }
  }

  /** Carry bytes of an unfinished line to the next chunk, unless the line is already too long. */
  private keepPartial(chunk: Buffer, from: number, to: number): void {
    if (this.discardingLine) return;
    const total = this.pendingLen + to - from;
    // A trailing CR may be the first half of the line end, so it does not count towards the line.
    if (total - (chunk[to - 1] === CR ? 1 : 0) > this.maxLineBytes) {
      this.pendingLen = 0;
      this.discardingLine = true;
      this.fail(AmiProtocolErrorCode.LINE_TOO_LONG, `line longer than ${this.maxLineBytes} bytes`);
      return;
    }
    this.pending ??= Buffer.allocUnsafe(this.maxLineBytes + 2);
    chunk.copy(this.pending, this.pendingLen, from, to);
    this.pendingLen = total;
  }

  /** Parse buf[from, to): whole lines, the last one ending in LF. */
  private parseLines(buf: Buffer, view: DataView, from: number, to: number): void {
    const text = buf.toString('utf8', from, to);
    const n = text.length;
    // When every byte decoded to one UTF-16 unit, string offsets are byte offsets; otherwise
    // (multi-byte UTF-8) byte lengths are measured on the bytes, line by line.
    const sameOffsets = n === to - from;
    let bytePos = from;
    let pos = 0;
    // Cached position of the next ':' at or after pos (n: none left), so a region of lines
    // without a colon is scanned once, not once per line.
    let colon = -1;

    while (pos < n) {
      const lf = text.indexOf('\n', pos);
      const next = lf + 1;
      const lineEnd = lf > pos && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;

      let lineBytes: number;
      let rawBytes: number;
      if (sameOffsets) {
        lineBytes = lineEnd - pos;
        rawBytes = next - pos;
      } else {
        const byteLf = buf.indexOf(LF, bytePos);
        lineBytes = byteLf - bytePos - (byteLf > bytePos && buf[byteLf - 1] === CR ? 1 : 0);
        rawBytes = byteLf + 1 - bytePos;
        bytePos = byteLf + 1;
      }

      if (lineEnd === pos) {
        this.endFrame();
      } else if (this.skipping) {
        // dropping the rest of a bad frame
      } else if (lineBytes > this.maxLineBytes) {
        this.fail(AmiProtocolErrorCode.LINE_TOO_LONG, `line longer than ${this.maxLineBytes} bytes`);
      } else if ((this.messageBytes += rawBytes) > this.maxMessageBytes) {
        this.fail(AmiProtocolErrorCode.MESSAGE_TOO_LONG, `frame longer than ${this.maxMessageBytes} bytes`);
      } else {
        // Most keys are the one that followed the previous key last time (each event type keeps
        // its key order): a compare confirms it without searching for the colon or hashing the key.
        let key = this.prevKey === null ? this.firstKey : this.prevKey.next;
        if (key !== null && !this.awaitingBanner) {
          const len = key.raw.length;
          const end = pos + len;
          if (
            end >= lineEnd ||
            text.charCodeAt(end) !== COLON ||
            !(sameOffsets && key.words !== null
              ? sameWords(view, from + pos, key.words, len)
              : sameChars(text, pos, key.raw))
          ) {
            key = null;
          }
        } else {
          key = null;
        }
        if (key === null) {
          if (colon < pos) {
            colon = text.indexOf(':', pos);
            if (colon === -1) colon = n;
          }
          if (this.awaitingBanner) {
            this.awaitingBanner = false;
            if (colon >= lineEnd) {
              // The greeting has no colon and no blank line after it.
              this.bannerLine = text.slice(pos, lineEnd);
              this.messageBytes = 0;
              pos = next;
              continue;
            }
          }
          if (colon >= lineEnd || colon === pos) {
            this.fail(AmiProtocolErrorCode.MALFORMED_LINE, 'line without a "Key:" prefix');
            pos = next;
            continue;
          }
          key = this.rawKey(text.slice(pos, colon));
          if (this.prevKey === null) this.firstKey = key;
          else this.prevKey.next = key;
        }
        this.addHeader(text, key, pos + key.raw.length, lineEnd);
      }
      pos = next;
    }
  }

  private addHeader(text: string, entry: RawKey, colon: number, lineEnd: number): void {
    this.prevKey = entry;
    const hk = entry.key;
    const key = hk.name;
    // Asterisk writes "Key: Value"; only that one space is the separator, so a value that
    // itself starts with a space keeps it.
    const valueStart = colon + 1 < lineEnd && text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    const value = text.slice(valueStart, lineEnd);

    const headers = this.headers;
    if (headers === null) {
      const first = new HeaderBag();
      first[key] = value;
      this.headers = first;
      this.headerCount = 1;
      hk.frame = ++this.frameNo;
      this.type =
        key === 'event' ? 'event' : key === 'response' ? 'response' : key === 'action' ? 'action' : 'unknown';
      return;
    }
    if (++this.headerCount > this.maxHeaders) {
      this.fail(AmiProtocolErrorCode.TOO_MANY_HEADERS, `more than ${this.maxHeaders} headers in one frame`);
      return;
    }
    if (hk.cached && hk.frame !== this.frameNo) {
      hk.frame = this.frameNo;
      headers[key] = value;
      return;
    }
    const previous = headers[key];
    if (previous === undefined) headers[key] = value;
    else if (typeof previous === 'string') headers[key] = [previous, value];
    else previous.push(value);
  }

  private rawKey(raw: string): RawKey {
    let entry = this.rawKeys.get(raw);
    if (entry === undefined) {
      const name = raw.toLowerCase();
      let key = this.keys.get(name);
      if (key === undefined) {
        const cached = this.keys.size < KEY_CACHE_LIMIT;
        key = new HeaderKey(internalized(name), cached);
        if (cached) this.keys.set(key.name, key);
      }
      // Internalized: a flat copy that does not keep the frame it was sliced from alive.
      entry = new RawKey(internalized(raw), key);
      if (this.rawKeys.size < KEY_CACHE_LIMIT) this.rawKeys.set(entry.raw, entry);
    }
    return entry;
  }

  private endFrame(): void {
    const headers = this.headers;
    const type = this.type;
    this.dropMessage();
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (headers !== null) this.onMessage({ type, headers });
  }

  private dropMessage(): void {
    this.headers = null;
    this.prevKey = null;
    this.type = 'unknown';
    this.headerCount = 0;
    this.messageBytes = 0;
  }

  /** Report once, then drop the frame up to its blank line. */
  private fail(code: AmiProtocolErrorCode, message: string): void {
    this.awaitingBanner = false;
    if (this.skipping) return;
    this.skipping = true;
    this.dropMessage();
    this.onError?.(new AmiProtocolError(code, message));
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

import type { Socket } from 'node:net';

import type { AmiMessage } from '../protocol/ami/ami-message.js';
import { AmiParser } from '../protocol/ami/ami-parser.js';
import type { AmiProtocolError } from '../protocol/ami/ami-protocol-error.js';
import { ALL_EVENT_CLASSES } from './ami-frame.js';

export interface SessionLimits {
  /** Asterisk drops a session whose write stays blocked this long (manager.conf writetimeout). */
  readonly writeTimeoutMs: number;
  /** Bytes queued for one client beyond which it is dropped as a slow consumer. */
  readonly maxBufferedBytes: number;
  /** Actions read but not yet handled (while a handler waits, e.g. the failed-login delay). */
  readonly maxInbox: number;
}

export interface SessionHandlers {
  /** Handle one action; a returned promise holds the session's next actions until it settles. */
  onAction(session: AmiSession, msg: AmiMessage): void | Promise<void>;
  onParseError(session: AmiSession, err: AmiProtocolError): void;
  onClose(session: AmiSession): void;
}

/** Filters added with `Action: Filter` (regex over the whole event text, `!` = exclude). */
const MAX_FILTERS = 64;

/**
 * One AMI connection: reads actions through the AMI parser, writes frames with a bounded queue and
 * socket back-pressure, and holds the session's login state, event mask and filters.
 */
export class AmiSession {
  authenticated = false;
  username = '';
  /** Event classes this session receives (Events: on|off|mask); all until told otherwise. */
  eventMask = ALL_EVENT_CLASSES;
  readonly openedAtMs = Date.now();
  /** Asterisk-style session id, printed in security events. */
  readonly hexId: string;

  private readonly include: RegExp[] = [];
  private readonly exclude: RegExp[] = [];
  private readonly parser: AmiParser;
  private readonly inbox: AmiMessage[] = [];
  private busy = false;
  private pending: string[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private blockedSinceMs = 0;
  private closed = false;
  private readonly drainWaiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly handlers: SessionHandlers,
    private readonly limits: SessionLimits,
  ) {
    this.hexId = `0x${(0x7f5500000000 + id * 0x1000).toString(16)}`;
    this.parser = new AmiParser((msg) => this.receive(msg), {
      expectBanner: false,
      maxLineBytes: 8192,
      maxMessageBytes: 64 * 1024,
      onError: (err) => handlers.onParseError(this, err),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.parser.push(chunk));
    socket.on('drain', () => {
      this.blockedSinceMs = 0;
      this.wakeDrainWaiters();
    });
    socket.on('error', () => {
      /* reset by peer and the like: 'close' follows */
    });
    socket.on('close', () => {
      this.closed = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.wakeDrainWaiters();
      handlers.onClose(this);
    });
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  get remoteAddress(): string {
    return (this.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  get localAddress(): string {
    return (this.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Bytes waiting for this client (ours and the socket's). */
  get bufferedBytes(): number {
    return this.pendingBytes + this.socket.writableLength;
  }

  // ---------------------------------------------------------------- input

  private receive(msg: AmiMessage): void {
    if (this.inbox.length >= this.limits.maxInbox) {
      this.destroy();
      return;
    }
    this.inbox.push(msg);
    this.processInbox();
  }

  private processInbox(): void {
    while (!this.busy && this.inbox.length > 0 && this.isOpen) {
      const msg = this.inbox.shift()!;
      const result = this.handlers.onAction(this, msg);
      if (result instanceof Promise) {
        this.busy = true;
        result.finally(() => {
          this.busy = false;
          this.processInbox();
        });
      }
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * Queue a frame for this client. Frames are joined and written on the next tick (or by flush()),
   * so a burst of events costs one socket write. A client that does not read is dropped, as Asterisk
   * drops it after writetimeout: never an unbounded buffer.
   */
  send(text: string): void {
    if (!this.isOpen) return;
    if (this.bufferedBytes + text.length > this.limits.maxBufferedBytes) {
      this.destroy();
      return;
    }
    if (this.blockedSinceMs !== 0 && Date.now() - this.blockedSinceMs > this.limits.writeTimeoutMs) {
      this.destroy();
      return;
    }
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Write what is queued. Returns false when the socket asks to wait for 'drain'. */
  flush(): boolean {
    this.flushScheduled = false;
    if (!this.isOpen) return true;
    if (this.pending.length === 0) return !this.socket.writableNeedDrain;
    const data = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    const ok = this.socket.write(data);
    if (!ok && this.blockedSinceMs === 0) this.blockedSinceMs = Date.now();
    return ok;
  }

  get needsDrain(): boolean {
    return this.isOpen && this.socket.writableNeedDrain;
  }

  /** Resolves when the socket drained (or closed); drops the client if that takes longer than writetimeout. */
  waitDrain(): Promise<void> {
    if (!this.needsDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.destroy();
        resolve();
      }, this.limits.writeTimeoutMs);
      timer.unref();
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wakeDrainWaiters(): void {
    for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Send what is queued, then close (Logoff, failed login, Asterisk restart). */
  end(): void {
    if (!this.isOpen) return;
    this.flush();
    this.socket.end();
    // a peer that never reads must not keep the half-closed socket forever
    setTimeout(() => this.destroy(), this.limits.writeTimeoutMs).unref();
  }

  /** Cut the connection now. */
  destroy(): void {
    if (this.closed) return;
    this.socket.destroy();
  }

  // ---------------------------------------------------------------- event selection

  /** Filter action: a regex over the event text; a leading `!` excludes. Returns false if it does not compile. */
  addFilter(expr: string): boolean {
    const exclude = expr.startsWith('!');
    let re: RegExp;
    try {
      // manager.c compiles filters with regcomp(REG_EXTENDED | REG_NOSUB), no REG_NEWLINE: `.` matches
      // line ends too, so one filter can span the headers of an event (the 's' flag).
      re = new RegExp(exclude ? expr.slice(1) : expr, 's');
    } catch {
      return false;
    }
    const list = exclude ? this.exclude : this.include;
    if (list.length < MAX_FILTERS) list.push(re);
    return true;
  }

  /** Asterisk's rule: every class of the event in the session mask, then include/exclude filters. */
  wants(category: number, text: string): boolean {
    if (!this.authenticated || this.eventMask === 0) return false;
    if ((this.eventMask & category) !== category) return false;
    if (this.include.length > 0 && !this.include.some((re) => re.test(text))) return false;
    if (this.exclude.length > 0 && this.exclude.some((re) => re.test(text))) return false;
    return true;
  }
}

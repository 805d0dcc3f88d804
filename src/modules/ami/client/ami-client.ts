import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import { header, type AmiMessage } from '../../../protocol/ami/ami-message.js';
import { AmiParser } from '../../../protocol/ami/ami-parser.js';
import { redactForLog, serializeAction, type AmiFields } from '../../../protocol/ami/ami-serializer.js';
import { ActionIdGenerator } from './ami-action-id.js';
import { AmiActionRegistry, type AmiActionResult } from './ami-action-registry.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './ami-backoff.js';
import { AmiError, AmiErrorCode } from './ami-client.exception.js';

export type { AmiActionResult } from './ami-action-registry.js';
export type { AmiFields, AmiFieldValue } from '../../../protocol/ami/ami-serializer.js';

/** pino-compatible subset. */
export interface AmiLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  isLevelEnabled?(level: string): boolean;
}

export interface AmiReconnectOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** 0..1, see backoffDelay(). */
  jitter?: number;
  /** A session that stayed ready this long resets the backoff to initialDelayMs. */
  resetAfterMs?: number;
}

export interface AmiClientOptions {
  /** The PBX id, carried in every log line and error. */
  name: string;
  host: string;
  port: number;
  username: string;
  secret: string;
  /** md5 = Challenge/Key login: the secret never crosses the wire. */
  authType?: 'plain' | 'md5';
  /** `Events:` of the Login: 'on', 'off' (action-only session) or a class mask such as 'call,agent,user'. */
  events: 'on' | 'off' | string;
  /**
   * Filter actions (Operation: Add) sent after login, before 'ready', e.g. '!Event: Newexten'. With
   * filters the Login carries `Events: off` and an `Events` action sets the mask once they are in place.
   */
  filters?: string[];
  /** Default per-action timeout (override per call). */
  actionTimeoutMs?: number;
  /** Budget for connect + banner + login + filters. Defaults to actionTimeoutMs. */
  loginTimeoutMs?: number;
  /** Ping period once ready; 0 disables the keepalive. */
  pingIntervalMs?: number;
  /** A Ping unanswered this long declares the link dead. */
  pongTimeoutMs?: number;
  reconnect?: AmiReconnectOptions;
  /** Wait after `Authentication failed` before the next attempt (never a tight loop). */
  authFailureDelayMs?: number;
  maxPendingActions?: number;
  /** Bytes of action frames queued while the socket is not draining. */
  maxWriteQueueBytes?: number;
  /** Received but not yet parsed bytes; above this the socket is paused. */
  maxInboundBytes?: number;
  /** Events collected for one event-list action. */
  maxListEvents?: number;
  /** Parser limits (its defaults apply when unset); an oversized frame is dropped and reported. */
  maxLineBytes?: number;
  maxMessageBytes?: number;
  logger?: AmiLogger;
}

export type AmiClientState = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'backoff' | 'stopped';

export interface AmiClientStats {
  /** Sessions that reached 'ready'. */
  connects: number;
  /** Connection attempts after the first one, whatever their outcome. */
  reconnects: number;
  eventsReceived: number;
  lastEventAt?: number;
  /** Since when the current session is ready (epoch ms); undefined while not ready. */
  connectedSince?: number;
  authFailures: number;
  lastError?: string;
}

export interface AmiClientEvents {
  event: [msg: AmiMessage];
  /** Logged in and filters applied: consumers rebuild their state now (every (re)connect). */
  ready: [];
  /** A ready session ended. */
  down: [reason: string];
  'auth-failed': [message: string];
  'protocol-error': [err: Error];
  state: [state: AmiClientState];
}

export interface AmiActionOptions {
  timeoutMs?: number;
}

const DEFAULTS = {
  actionTimeoutMs: 10_000,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 10_000,
  authFailureDelayMs: 60_000,
  resetAfterMs: 30_000,
  maxPendingActions: 1_000,
  maxWriteQueueBytes: 1024 * 1024,
  maxInboundBytes: 4 * 1024 * 1024,
  maxListEvents: 100_000,
} as const;

/** Parsing runs synchronously on slices of this size... */
const SLICE_BYTES = 16 * 1024;
/** ...and yields to the event loop once a turn has used this much time. */
const SLICE_BUDGET_MS = 8;
const LOGOFF_TIMEOUT_MS = 2_000;
/** While reconnect attempts keep failing, one attempt in this many is logged at warn. */
const WARN_EVERY_N_FAILURES = 10;

const NOOP_LOGGER: AmiLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** One TCP session; callbacks from a replaced session are ignored. */
interface AmiConnection {
  readonly socket: net.Socket;
  readonly parser: AmiParser;
  readonly closed: Promise<void>;
  markClosed(): void;
  isClosed: boolean;
  bannerSeen: boolean;
  readyAt?: number;
  authFailed: boolean;
  dropReason?: string;
  socketError?: Error;
  loginTimer?: ReturnType<typeof setTimeout>;
  pingTimer?: ReturnType<typeof setTimeout>;
  // inbound: received, not yet parsed
  inbound: Buffer[];
  inboundBytes: number;
  // parsed from the current slice, not yet dispatched (at most one slice's worth)
  parsed: Array<AmiMessage | undefined>;
  parsedIndex: number;
  pumpScheduled: boolean;
  paused: boolean;
  // outbound: frames waiting for 'drain'
  writeQueue: Buffer[];
  writeQueueBytes: number;
  writeBlocked: boolean;
}

/**
 * One AMI session to one PBX: login (plain or MD5), event filters, ActionID matching, event-list
 * collection, per-action timeouts, keepalive, and reconnection with jittered backoff, forever,
 * until stop(). Plain TypeScript over node:net; a Nest provider wraps it.
 *
 * Received bytes are parsed a slice at a time and the messages dispatched one by one under a
 * per-turn time budget, so a burst never holds the event loop. Listeners of 'event' still run
 * inside that read path: they must stay cheap (hand heavy work off), because Asterisk drops a
 * session it cannot write to within its writetimeout. Events can arrive before 'ready' (between
 * login and the filters); consumers rebuild their state on 'ready' anyway.
 */
export class AmiClient extends EventEmitter<AmiClientEvents> {
  private readonly opts: AmiClientOptions;
  private readonly backoff: BackoffOptions;
  private readonly resetAfterMs: number;
  private readonly logger: AmiLogger;
  private readonly ids = new ActionIdGenerator();
  private readonly registry: AmiActionRegistry;

  private _state: AmiClientState = 'idle';
  private readonly _stats: AmiClientStats = {
    connects: 0,
    reconnects: 0,
    eventsReceived: 0,
    authFailures: 0,
  };
  private conn?: AmiConnection;
  private attempts = 0;
  private everConnected = false;
  private failureStreak = 0;
  private stopping = false;
  private stopPromise?: Promise<void>;
  private reconnectTimer?: ReturnType<typeof setTimeout>;

  constructor(options: AmiClientOptions) {
    super();
    validateOptions(options);
    this.opts = options;
    this.backoff = {
      initialDelayMs: options.reconnect?.initialDelayMs ?? DEFAULT_BACKOFF.initialDelayMs,
      maxDelayMs: options.reconnect?.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
      factor: options.reconnect?.factor ?? DEFAULT_BACKOFF.factor,
      jitter: options.reconnect?.jitter ?? DEFAULT_BACKOFF.jitter,
    };
    this.resetAfterMs = options.reconnect?.resetAfterMs ?? DEFAULTS.resetAfterMs;
    this.logger = options.logger ?? NOOP_LOGGER;
    this.registry = new AmiActionRegistry(options.name, options.maxListEvents ?? DEFAULTS.maxListEvents);
  }

  get state(): AmiClientState {
    return this._state;
  }

  get stats(): Readonly<AmiClientStats> {
    return { ...this._stats };
  }

  /** Actions waiting for their response or event list. */
  get pendingActions(): number {
    return this.registry.size;
  }

  get name(): string {
    return this.opts.name;
  }

  /** Connects, and keeps reconnecting until stop(). */
  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped') return;
    if (this.stopPromise) throw new Error(`[${this.opts.name}] start() while stop() is in progress`);
    this.stopping = false;
    this.attempts = 0;
    this.failureStreak = 0;
    this.connect();
  }

  /** Logoff if logged in, close, reject pending actions (STOPPED), no more reconnects. */
  stop(): Promise<void> {
    if (!this.stopPromise) {
      this.stopPromise = this.shutdown().finally(() => {
        this.stopPromise = undefined;
      });
    }
    return this.stopPromise;
  }

  /**
   * Sends one action. Rejects at once with NOT_CONNECTED unless ready (the caller decides whether
   * to queue), TOO_MANY_PENDING when the pending map is full, later with ACTION_FAILED
   * (`Response: Error`), TIMEOUT, LINK_DOWN or STOPPED. An `EventList: start` response resolves
   * once the closing `...Complete` event arrived, with the list in `events`.
   */
  action(name: string, fields: AmiFields = {}, opts: AmiActionOptions = {}): Promise<AmiActionResult> {
    if (this.stopping || this._state === 'stopped') {
      return Promise.reject(this.error(AmiErrorCode.STOPPED, `${name}: client stopped`, name));
    }
    const conn = this.conn;
    if (this._state !== 'ready' || !conn) {
      return Promise.reject(
        this.error(AmiErrorCode.NOT_CONNECTED, `${name}: not connected (${this._state})`, name),
      );
    }
    if (this.registry.size >= (this.opts.maxPendingActions ?? DEFAULTS.maxPendingActions)) {
      return Promise.reject(
        this.error(
          AmiErrorCode.TOO_MANY_PENDING,
          `${name}: ${this.registry.size} actions already pending`,
          name,
        ),
      );
    }
    const clean = withoutReservedFields(fields);
    // A synchronous Originate holds the AMI session until the callee answers: always Async.
    if (name.toLowerCase() === 'originate') setField(clean, 'Async', 'true');
    return this.send(
      conn,
      name,
      clean,
      opts.timeoutMs ?? this.opts.actionTimeoutMs ?? DEFAULTS.actionTimeoutMs,
    );
  }

  /**
   * Originate, always `Async: true`: resolves on Asterisk's `Response: Success` (the request was
   * accepted); the outcome arrives later as an ordinary `OriginateResponse` event carrying the
   * same ActionID (`result.actionId`).
   */
  originate(fields: AmiFields, opts: AmiActionOptions = {}): Promise<AmiActionResult> {
    return this.action('Originate', fields, opts);
  }

  // ---- connection lifecycle -------------------------------------------------------------

  private connect(): void {
    if (this.everConnected) this._stats.reconnects++;
    this.everConnected = true;
    this.setState('connecting');

    const { host, port } = this.opts;
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);

    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const conn: AmiConnection = {
      socket,
      parser: new AmiParser((msg: AmiMessage) => conn.parsed.push(msg), {
        onError: (err: Error) => this.onProtocolError(conn, err),
        maxLineBytes: this.opts.maxLineBytes,
        maxMessageBytes: this.opts.maxMessageBytes,
      }),
      closed,
      markClosed,
      isClosed: false,
      bannerSeen: false,
      authFailed: false,
      inbound: [],
      inboundBytes: 0,
      parsed: [],
      parsedIndex: 0,
      pumpScheduled: false,
      paused: false,
      writeQueue: [],
      writeQueueBytes: 0,
      writeBlocked: false,
    };
    this.conn = conn;

    const loginTimeoutMs = this.opts.loginTimeoutMs ?? this.opts.actionTimeoutMs ?? DEFAULTS.actionTimeoutMs;
    conn.loginTimer = setTimeout(
      () => this.drop(conn, `no login within ${loginTimeoutMs} ms (${this._state})`),
      loginTimeoutMs,
    );

    socket.on('connect', () => {
      if (this.conn === conn && !this.stopping) this.setState('authenticating');
    });
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('drain', () => this.flushWrites(conn));
    socket.on('error', (err: Error) => {
      conn.socketError ??= err; // 'close' follows and does the work
    });
    socket.on('close', () => this.onClose(conn));
  }

  private async login(conn: AmiConnection): Promise<void> {
    const { username, secret, authType, events } = this.opts;
    const timeoutMs = this.opts.actionTimeoutMs ?? DEFAULTS.actionTimeoutMs;
    let step = authType === 'md5' ? 'Challenge' : 'Login';
    // With filters, log in with events off and turn them on only once the filters are in place:
    // otherwise Asterisk sends unfiltered events in between (a burst at every reconnect).
    const filters = this.opts.filters ?? [];
    const loginEvents = filters.length > 0 && events !== 'off' ? 'off' : events;
    try {
      let fields: AmiFields;
      if (authType === 'md5') {
        const challenge = header(
          (await this.send(conn, 'Challenge', { AuthType: 'MD5' }, timeoutMs)).response,
          'Challenge',
        );
        if (!challenge)
          throw this.error(AmiErrorCode.AUTH_FAILED, 'Challenge response without a Challenge', 'Challenge');
        const key = createHash('md5')
          .update(challenge + secret)
          .digest('hex');
        fields = { AuthType: 'MD5', Username: username, Key: key, Events: loginEvents };
        step = 'Login';
      } else {
        fields = { Username: username, Secret: secret, Events: loginEvents };
      }
      await this.send(conn, 'Login', fields, timeoutMs);

      step = 'Filter';
      for (const filter of filters) {
        try {
          await this.send(conn, 'Filter', { Operation: 'Add', Filter: filter }, timeoutMs);
        } catch (err) {
          if (!(err instanceof AmiError) || err.code !== AmiErrorCode.ACTION_FAILED) throw err;
          // A rejected filter is a configuration error; more events than wanted beats no link.
          this._stats.lastError = `filter '${filter}' rejected: ${err.amiMessage}`;
          this.logger.error(
            { pbx: this.opts.name, filter, amiMessage: err.amiMessage },
            'AMI event filter rejected',
          );
        }
      }
      if (loginEvents !== events) {
        step = 'Events';
        await this.eventsOn(conn, events, timeoutMs);
      }
      if (this.conn !== conn || conn.isClosed || this.stopping) return;
      this.markReady(conn);
    } catch (err) {
      if (this.conn !== conn || conn.isClosed || this.stopping) return; // the close path reports it
      if (
        err instanceof AmiError &&
        (err.code === AmiErrorCode.ACTION_FAILED || err.code === AmiErrorCode.AUTH_FAILED)
      ) {
        if (step === 'Filter' || step === 'Events') return this.drop(conn, err.message);
        return this.onAuthFailed(conn, err.amiMessage ?? err.message);
      }
      this.drop(conn, `${step}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * `Events: <mask>` after the filters. With manager.conf `broken_events_action = yes` Asterisk sends
   * no response when the mask turns every class on; it handles a session's actions in order, so a
   * Ping answered while the Events action is still pending means no answer is coming.
   */
  private async eventsOn(conn: AmiConnection, mask: string, timeoutMs: number): Promise<void> {
    const events = this.sendTracked(conn, 'Events', { EventMask: mask }, timeoutMs);
    events.result.catch(() => undefined); // awaited below
    await this.send(conn, 'Ping', {}, timeoutMs);
    if (this.registry.has(events.actionId)) {
      this.logger.warn(
        { pbx: this.opts.name, mask },
        'AMI Events action got no response (manager.conf broken_events_action?): assuming events are on',
      );
      this.registry.expire(
        events.actionId,
        this.error(AmiErrorCode.TIMEOUT, 'Events: no response', 'Events', events.actionId),
      );
      return;
    }
    await events.result;
  }

  private markReady(conn: AmiConnection): void {
    clearTimeout(conn.loginTimer);
    conn.readyAt = Date.now();
    this._stats.connects++;
    this._stats.connectedSince = conn.readyAt;
    this.failureStreak = 0;
    this.setState('ready');
    this.logger.info(
      { pbx: this.opts.name, host: this.opts.host, port: this.opts.port, connects: this._stats.connects },
      'AMI session ready',
    );
    this.schedulePing(conn);
    this.safeEmit('ready');
  }

  private onAuthFailed(conn: AmiConnection, message: string): void {
    conn.authFailed = true;
    this._stats.authFailures++;
    this._stats.lastError = `authentication failed: ${message}`;
    const retryInMs = this.opts.authFailureDelayMs ?? DEFAULTS.authFailureDelayMs;
    this.logger.warn(
      {
        pbx: this.opts.name,
        host: this.opts.host,
        port: this.opts.port,
        username: this.opts.username,
        message,
        retryInMs,
      },
      'AMI login rejected',
    );
    this.safeEmit('auth-failed', message);
    this.drop(conn, `authentication failed: ${message}`);
  }

  /** Ends a session on our side; onClose() does the bookkeeping. */
  private drop(conn: AmiConnection, reason: string): void {
    if (conn.isClosed) return;
    conn.dropReason ??= reason;
    conn.socket.destroy();
  }

  private onClose(conn: AmiConnection): void {
    if (conn.isClosed) return;
    conn.isClosed = true;
    clearTimeout(conn.loginTimer);
    clearTimeout(conn.pingTimer);
    // Bytes that arrived before the close are processed first: a response in them beats LINK_DOWN.
    if (this.conn === conn && (conn.inboundBytes > 0 || conn.parsedIndex < conn.parsed.length)) {
      this.pump(conn, Infinity);
    }
    conn.inbound = [];
    conn.parsed = [];
    conn.writeQueue = [];
    conn.markClosed();
    if (this.conn !== conn) return;
    this.conn = undefined;

    const wasReady = conn.readyAt !== undefined;
    const reason =
      conn.dropReason ??
      conn.socketError?.message ??
      (conn.bannerSeen ? 'connection closed by the PBX' : 'connection closed before the AMI banner');
    const code = this.stopping ? AmiErrorCode.STOPPED : AmiErrorCode.LINK_DOWN;
    const rejected = this.registry.rejectAll((action, actionId) =>
      this.error(
        code,
        code === AmiErrorCode.STOPPED ? `${action}: client stopped` : `${action}: link down (${reason})`,
        action,
        actionId,
      ),
    );
    if (!this.stopping && !conn.authFailed) this._stats.lastError = reason;

    if (wasReady) {
      this._stats.connectedSince = undefined;
      const log = this.stopping ? this.logger.info : this.logger.warn;
      log.call(this.logger, { pbx: this.opts.name, reason, rejected }, 'AMI session down');
      this.safeEmit('down', reason);
    }
    if (this.stopping) {
      this.setState('stopped');
      return;
    }
    this.scheduleReconnect(conn, reason);
  }

  private scheduleReconnect(conn: AmiConnection, reason: string): void {
    let delayMs: number;
    if (conn.authFailed) {
      delayMs = this.opts.authFailureDelayMs ?? DEFAULTS.authFailureDelayMs;
    } else {
      if (conn.readyAt !== undefined && Date.now() - conn.readyAt >= this.resetAfterMs) this.attempts = 0;
      delayMs = backoffDelay(this.attempts, this.backoff);
      this.attempts++;
      if (conn.readyAt === undefined) {
        this.failureStreak++;
        const fields = {
          pbx: this.opts.name,
          host: this.opts.host,
          port: this.opts.port,
          reason,
          attempt: this.failureStreak,
          retryInMs: delayMs,
        };
        if (this.failureStreak === 1 || this.failureStreak % WARN_EVERY_N_FAILURES === 0) {
          this.logger.warn(fields, 'AMI connection attempt failed');
        } else {
          this.logger.debug(fields, 'AMI connection attempt failed');
        }
      }
    }
    this.setState('backoff');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) this.connect();
    }, delayMs);
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    const conn = this.conn;
    if (!conn) {
      this.setState('stopped');
      return;
    }
    this.registry.rejectAll((action, actionId) =>
      this.error(AmiErrorCode.STOPPED, `${action}: client stopped`, action, actionId),
    );
    if (conn.readyAt !== undefined && !conn.isClosed) {
      // Asterisk answers Goodbye and closes; the session would time out on its side otherwise.
      await this.send(
        conn,
        'Logoff',
        {},
        Math.min(LOGOFF_TIMEOUT_MS, this.opts.actionTimeoutMs ?? LOGOFF_TIMEOUT_MS),
      ).catch(() => undefined);
    }
    this.drop(conn, 'stopped');
    await conn.closed;
  }

  // ---- keepalive -----------------------------------------------------------------------

  private schedulePing(conn: AmiConnection): void {
    const interval = this.opts.pingIntervalMs ?? DEFAULTS.pingIntervalMs;
    if (interval <= 0 || conn.isClosed) return;
    conn.pingTimer = setTimeout(() => this.ping(conn), interval);
  }

  private ping(conn: AmiConnection): void {
    if (this.conn !== conn || conn.isClosed || this.stopping) return;
    const pongTimeoutMs = this.opts.pongTimeoutMs ?? DEFAULTS.pongTimeoutMs;
    this.send(conn, 'Ping', {}, pongTimeoutMs).then(
      () => this.schedulePing(conn),
      (err: unknown) => {
        if (!(err instanceof AmiError) || err.code !== AmiErrorCode.TIMEOUT || conn.isClosed) return;
        if (conn.inboundBytes > 0 || conn.parsedIndex < conn.parsed.length) {
          // The answer may sit in our own unparsed backlog: we are slow, the link is not dead.
          this.logger.warn(
            { pbx: this.opts.name, backlogBytes: conn.inboundBytes },
            'AMI Ping late: inbound backlog',
          );
          this.schedulePing(conn);
          return;
        }
        this.logger.warn(
          { pbx: this.opts.name, pongTimeoutMs },
          'AMI keepalive: no reply to Ping, link declared dead',
        );
        this.drop(conn, `keepalive: no reply to Ping within ${pongTimeoutMs} ms`);
      },
    );
  }

  // ---- writing -------------------------------------------------------------------------

  /** Registers the action, then writes its frame (queued while the socket is not draining). */
  private send(
    conn: AmiConnection,
    name: string,
    fields: AmiFields,
    timeoutMs: number,
  ): Promise<AmiActionResult> {
    return this.sendTracked(conn, name, fields, timeoutMs).result;
  }

  private sendTracked(
    conn: AmiConnection,
    name: string,
    fields: AmiFields,
    timeoutMs: number,
  ): { actionId: string; result: Promise<AmiActionResult> } {
    const actionId = this.ids.next();
    let frame: Buffer;
    try {
      frame = Buffer.from(serializeAction(name, fields, actionId), 'utf8');
    } catch (err) {
      return { actionId, result: Promise.reject(err) }; // AmiProtocolError INVALID_KEY: an unusable field name
    }
    const result = new Promise<AmiActionResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.registry.expire(
          actionId,
          this.error(AmiErrorCode.TIMEOUT, `${name}: no response within ${timeoutMs} ms`, name, actionId),
        );
      }, timeoutMs);
      this.registry.add(actionId, name, resolve, reject, timer);

      const outcome = this.write(conn, frame);
      if (outcome !== 'ok') {
        const code = outcome === 'closed' ? AmiErrorCode.LINK_DOWN : AmiErrorCode.TOO_MANY_PENDING;
        const why = outcome === 'closed' ? 'link down' : 'write queue full (the PBX is not reading)';
        this.registry.expire(actionId, this.error(code, `${name}: ${why}`, name, actionId));
        return;
      }
      if (this.debugEnabled()) {
        this.logger.debug(
          { pbx: this.opts.name, actionId, frame: redactForLog(frame.toString('utf8')) },
          'AMI >>',
        );
      }
    });
    return { actionId, result };
  }

  private write(conn: AmiConnection, frame: Buffer): 'ok' | 'closed' | 'full' {
    if (conn.isClosed || conn.socket.destroyed) return 'closed';
    if (conn.writeBlocked) {
      if (
        conn.writeQueueBytes + frame.length >
        (this.opts.maxWriteQueueBytes ?? DEFAULTS.maxWriteQueueBytes)
      ) {
        return 'full';
      }
      conn.writeQueue.push(frame);
      conn.writeQueueBytes += frame.length;
      return 'ok';
    }
    if (!conn.socket.write(frame)) conn.writeBlocked = true;
    return 'ok';
  }

  private flushWrites(conn: AmiConnection): void {
    conn.writeBlocked = false;
    while (conn.writeQueue.length > 0 && !conn.isClosed) {
      const frame = conn.writeQueue.shift()!;
      conn.writeQueueBytes -= frame.length;
      if (!conn.socket.write(frame)) {
        conn.writeBlocked = true;
        return;
      }
    }
  }

  // ---- reading -------------------------------------------------------------------------

  private onData(conn: AmiConnection, chunk: Buffer): void {
    if (this.conn !== conn || conn.isClosed) return;
    conn.inbound.push(chunk);
    conn.inboundBytes += chunk.length;
    if (!conn.paused && conn.inboundBytes > (this.opts.maxInboundBytes ?? DEFAULTS.maxInboundBytes)) {
      // Past this point back-pressure goes to the kernel and then to Asterisk, which drops us
      // after its writetimeout: the reconnect + snapshot path then resynchronises.
      conn.paused = true;
      conn.socket.pause();
      this.logger.warn(
        { pbx: this.opts.name, backlogBytes: conn.inboundBytes },
        'AMI inbound backlog: socket paused',
      );
    }
    if (!conn.pumpScheduled) this.pump(conn, SLICE_BUDGET_MS);
  }

  /**
   * Parses queued bytes one slice at a time into `conn.parsed`, then dispatches those messages one
   * by one; once the turn's time budget is spent (listeners included) the rest waits for
   * setImmediate, so timers and other sockets run and the kernel buffer keeps draining.
   */
  private pump(conn: AmiConnection, budgetMs: number): void {
    conn.pumpScheduled = false;
    const deadline = performance.now() + budgetMs;
    for (;;) {
      if (this.conn !== conn) return; // stopped or replaced by a listener
      if (conn.parsedIndex < conn.parsed.length) {
        const msg = conn.parsed[conn.parsedIndex];
        conn.parsed[conn.parsedIndex++] = undefined;
        this.onMessage(conn, msg!);
      } else if (conn.inbound.length > 0) {
        conn.parsed.length = 0;
        conn.parsedIndex = 0;
        if (!this.parseSlice(conn)) return;
      } else {
        break;
      }
      if (
        performance.now() >= deadline &&
        (conn.parsedIndex < conn.parsed.length || conn.inbound.length > 0)
      ) {
        conn.pumpScheduled = true;
        setImmediate(() => this.pump(conn, SLICE_BUDGET_MS));
        return;
      }
    }
    if (
      conn.paused &&
      !conn.isClosed &&
      conn.inboundBytes <= (this.opts.maxInboundBytes ?? DEFAULTS.maxInboundBytes) / 2
    ) {
      conn.paused = false;
      conn.socket.resume();
    }
  }

  /** Feeds the next slice to the parser (whose callback only queues messages). False if the link was dropped. */
  private parseSlice(conn: AmiConnection): boolean {
    const head = conn.inbound[0];
    let slice: Buffer;
    if (head.length <= SLICE_BYTES) {
      slice = head;
      conn.inbound.shift();
    } else {
      slice = head.subarray(0, SLICE_BYTES);
      conn.inbound[0] = head.subarray(SLICE_BYTES);
    }
    conn.inboundBytes -= slice.length;
    try {
      conn.parser.push(slice);
    } catch (err) {
      this.onProtocolError(conn, err instanceof Error ? err : new Error(String(err)));
      this.drop(conn, `parser failure: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
    if (!conn.bannerSeen && conn.parser.banner) {
      conn.bannerSeen = true;
      this.logger.debug({ pbx: this.opts.name, banner: conn.parser.banner }, 'AMI banner');
      void this.login(conn);
    }
    return true;
  }

  private onMessage(conn: AmiConnection, msg: AmiMessage): void {
    if (this.conn !== conn) return;
    if (this.registry.dispatch(msg)) {
      if (msg.type === 'response' && this.debugEnabled()) {
        this.logger.debug({ pbx: this.opts.name, frame: msg.headers }, 'AMI <<');
      }
      return;
    }
    if (msg.type === 'event') {
      this._stats.eventsReceived++;
      this._stats.lastEventAt = Date.now();
      this.safeEmit('event', msg);
      return;
    }
    this.logger.debug(
      { pbx: this.opts.name, type: msg.type, actionId: header(msg, 'ActionID') },
      'AMI message matches no pending action: dropped',
    );
  }

  private onProtocolError(conn: AmiConnection, err: Error): void {
    if (this.conn !== conn) return;
    this._stats.lastError = `protocol error: ${err.message}`;
    this.logger.warn({ pbx: this.opts.name, err: err.message }, 'AMI protocol error');
    this.safeEmit('protocol-error', err);
  }

  // ---- helpers -------------------------------------------------------------------------

  private setState(state: AmiClientState): void {
    if (this._state === state) return;
    this._state = state;
    this.safeEmit('state', state);
  }

  /** A throwing listener must not unwind the parser or the socket callbacks. */
  private safeEmit<K extends keyof AmiClientEvents>(event: K, ...args: AmiClientEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: AmiClientEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error(
        { pbx: this.opts.name, event, err: err instanceof Error ? err.message : String(err) },
        'AMI client listener threw',
      );
    }
  }

  private debugEnabled(): boolean {
    return this.logger.isLevelEnabled ? this.logger.isLevelEnabled('debug') : this.logger !== NOOP_LOGGER;
  }

  private error(code: AmiErrorCode, message: string, action?: string, actionId?: string): AmiError {
    return new AmiError(code, message, { pbx: this.opts.name, action, actionId });
  }
}

/** The client owns Action and ActionID: a caller-supplied one would break response matching. */
function withoutReservedFields(fields: AmiFields): AmiFields {
  const out: AmiFields = {};
  for (const [key, value] of Object.entries(fields)) {
    const k = key.toLowerCase();
    if (k !== 'action' && k !== 'actionid') out[key] = value;
  }
  return out;
}

function setField(fields: AmiFields, key: string, value: string): void {
  for (const k of Object.keys(fields)) if (k.toLowerCase() === key.toLowerCase()) delete fields[k];
  fields[key] = value;
}

function validateOptions(o: AmiClientOptions): void {
  const problems: string[] = [];
  if (!o.name) problems.push('name is required');
  if (!o.host) problems.push('host is required');
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)
    problems.push(`port ${o.port} is not a TCP port`);
  if (!o.username) problems.push('username is required');
  if (typeof o.secret !== 'string') problems.push('secret is required');
  if (!o.events) problems.push("events is required ('on', 'off' or a class mask)");
  if (o.authType && o.authType !== 'plain' && o.authType !== 'md5')
    problems.push(`authType ${o.authType} unknown`);
  for (const key of ['actionTimeoutMs', 'loginTimeoutMs', 'pongTimeoutMs', 'maxPendingActions'] as const) {
    const v = o[key];
    if (v !== undefined && !(v > 0)) problems.push(`${key} must be > 0`);
  }
  if (problems.length > 0) throw new TypeError(`AmiClient ${o.name ?? '?'}: ${problems.join('; ')}`);
}

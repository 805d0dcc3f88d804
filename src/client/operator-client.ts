/**
 * The typed client of Switchboard's operator gateway, for CRM front ends (browser or Node):
 *
 * ```ts
 * import { OperatorClient } from 'switchboard/client';
 * const client = new OperatorClient({ url: 'https://switchboard.example', token: () => crm.switchboardToken() });
 * client.on('call:offered', (call) => showPopup(call));
 * client.on('call:retracted', (r) => closePopup(r.callId));
 * await client.answer(call.callId);
 * ```
 *
 * Reconnects by itself and resumes where it stopped: every event carries the user's `seq`; after a
 * reconnect the server sends what was missed (or a `snapshot`), and the client hands events to
 * listeners once each, in seq order. Commands return promises and carry an idempotency key of
 * their own, so a command re-sent after a dropped connection is not run twice.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  type Ack,
  type AgentStatus,
  type ClientToServerEvents,
  type CommandName,
  type CommandOf,
  type DialProgress,
  OPERATOR_NAMESPACE,
  type OperatorError,
  type OperatorErrorCode,
  type OperatorEvent,
  type ResultOf,
  SEQUENCED_EVENTS,
  type SequencedEventName,
  type ServerToClientEvents,
  type SessionNotice,
} from './operator-protocol.js';

export * from './operator-protocol.js';

export interface OperatorClientOptions {
  /** Switchboard's base URL (`https://switchboard.example`); the namespace is added. */
  url: string;
  /**
   * A user token (POST /api/v1/auth/token), or a function giving a fresh one: it is called on every
   * (re)connection, and makes the client reconnect by itself after its token expired.
   */
  token: string | (() => string | Promise<string>);
  /** Resume from a position kept elsewhere (e.g. sessionStorage), instead of starting with a snapshot. */
  lastSeq?: number;
  /** A command not acknowledged within this is re-sent (same idempotency key); default 8000 ms. */
  commandTimeoutMs?: number;
  /** Attempts per command before it fails with UNAVAILABLE; default 3. */
  commandAttempts?: number;
  /** An event that arrives ahead of a missing one waits this long for it before a resync; default 3000 ms. */
  gapTimeoutMs?: number;
  /** Passed to socket.io-client (transports, extraHeaders in Node, ...). */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** Default true. */
  autoConnect?: boolean;
}

/** A command the server refused (or could not be delivered): the code and message as the server said. */
export class OperatorCommandError extends Error {
  constructor(
    readonly code: OperatorErrorCode,
    message: string,
    readonly details?: OperatorError['details'],
  ) {
    super(message);
    this.name = 'OperatorCommandError';
  }
}

export type ConnectionState =
  | { state: 'connected' }
  | { state: 'disconnected'; reason: string }
  /** The server refused the connection (bad or expired token, origin not allowed...). */
  | { state: 'refused'; error: OperatorError }
  /** The server ended the session on purpose (replaced by another login, token expired, restart). */
  | { state: 'ended'; notice: SessionNotice };

type Listener<K extends SequencedEventName> = (event: OperatorEvent<K>) => void;

/** Events held while an earlier one is missing; beyond this the client resyncs at once. */
const MAX_HELD = 1_000;

function newKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `k${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;
}

export class OperatorClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private seq: number | undefined;
  private readonly held = new Map<number, { name: SequencedEventName; event: OperatorEvent }>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refusals = 0;
  private closed = false;
  private readonly listeners = new Map<SequencedEventName, Set<Listener<never>>>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly opts: Required<
    Pick<OperatorClientOptions, 'commandTimeoutMs' | 'commandAttempts' | 'gapTimeoutMs'>
  >;

  constructor(private readonly options: OperatorClientOptions) {
    this.seq = options.lastSeq;
    this.opts = {
      commandTimeoutMs: options.commandTimeoutMs ?? 8_000,
      commandAttempts: options.commandAttempts ?? 3,
      gapTimeoutMs: options.gapTimeoutMs ?? 3_000,
    };
    const base = options.url.replace(/\/+$/, '');
    this.socket = io(`${base}${OPERATOR_NAMESPACE}`, {
      reconnectionDelay: 500,
      reconnectionDelayMax: 10_000,
      ...options.socket,
      autoConnect: false,
      // Called on every connection attempt: a fresh token, and where to resume from.
      auth: (cb: (auth: object) => void) => {
        void this.tokenNow().then(
          (token) => cb(this.seq === undefined ? { token } : { token, lastSeq: this.seq }),
          () => cb({}),
        );
      },
    });
    for (const name of SEQUENCED_EVENTS) {
      (this.socket.on as (n: string, fn: (e: OperatorEvent) => void) => void)(name, (event) =>
        this.receive(name, event),
      );
    }
    this.socket.on('connect', () => {
      this.refusals = 0;
      this.emitState({ state: 'connected' });
    });
    this.socket.on('disconnect', (reason) => {
      this.emitState({ state: 'disconnected', reason });
      // The server closed this session itself: socket.io does not come back on its own.
      if (reason === 'io server disconnect') this.retryLater(1_000);
    });
    this.socket.on('connect_error', (err: Error & { data?: OperatorError }) => {
      if (!err.data) return; // transport trouble: socket.io retries by itself
      this.emitState({ state: 'refused', error: err.data });
      // A refusal is final with a fixed token; with a token provider, try again with a new one.
      if (typeof this.options.token === 'function')
        this.retryLater(Math.min(30_000, 1_000 * 2 ** this.refusals++));
    });
    const ended = (notice: SessionNotice) => {
      if (notice.code === 'SESSION_REPLACED') this.closed = true; // another login took over: stay out
      if (notice.code === 'TOKEN_EXPIRED' && typeof this.options.token !== 'function') this.closed = true;
      this.emitState({ state: 'ended', notice });
    };
    this.socket.on('session:replaced', ended);
    this.socket.on('session:expired', ended);
    this.socket.on('session:closing', ended);
    if (options.autoConnect ?? true) this.connect();
  }

  /** The last seq handed to listeners (keep it to resume in a later page load). */
  get lastSeq(): number | undefined {
    return this.seq;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    this.closed = false;
    this.socket.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.gapTimer);
    clearTimeout(this.retryTimer);
    this.socket.close();
  }

  /** Listens to one kind of event; answers a function that stops listening. */
  on<K extends SequencedEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  onConnection(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  // ------------------------------------------------------------------------------ commands

  /** Takes a call ringing for this operator (the caller is sent to their phone); one operator wins. */
  answer(callId: string): Promise<ResultOf<'call:answer'>> {
    return this.command('call:answer', { idempotencyKey: newKey(), callId });
  }

  /** Click-to-call: the operator's phone rings first, then the number; follow `dial:progress` for its dialId. */
  dial(number: string, pbxId?: string): Promise<DialProgress> {
    return this.command('call:dial', { idempotencyKey: newKey(), number, ...(pbxId ? { pbxId } : {}) });
  }

  /** Blind transfer of the other party to an extension or a number. */
  transfer(callId: string, to: string): Promise<ResultOf<'call:transfer'>> {
    return this.command('call:transfer', { idempotencyKey: newKey(), callId, to });
  }

  hangup(callId: string): Promise<ResultOf<'call:hangup'>> {
    return this.command('call:hangup', { idempotencyKey: newKey(), callId });
  }

  pause(reason: string): Promise<AgentStatus> {
    return this.command('agent:pause', { idempotencyKey: newKey(), reason }).then((r) => r.agent);
  }

  unpause(reason?: string): Promise<AgentStatus> {
    return this.command('agent:unpause', { idempotencyKey: newKey(), ...(reason ? { reason } : {}) }).then(
      (r) => r.agent,
    );
  }

  /** Extends the live connection with a new token for the same user (before the old one expires). */
  refreshToken(token: string): Promise<ResultOf<'auth:refresh'>> {
    return this.command('auth:refresh', { token });
  }

  /**
   * Sends a command and resolves with its result, or rejects with an OperatorCommandError. An
   * unanswered command is re-sent with the same payload (hence the same idempotency key).
   */
  async command<K extends CommandName>(name: K, payload: CommandOf<K>): Promise<ResultOf<K>> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.opts.commandAttempts; attempt++) {
      if (this.closed) throw new OperatorCommandError('UNAVAILABLE', 'The client is closed');
      let ack: Ack<ResultOf<K>>;
      try {
        const withTimeout = this.socket.timeout(this.opts.commandTimeoutMs) as unknown as {
          emitWithAck(n: string, p: unknown): Promise<Ack<ResultOf<K>>>;
        };
        ack = await withTimeout.emitWithAck(name, payload);
      } catch (e) {
        lastError = e; // no answer in time (a dropped connection): send it again
        continue;
      }
      if (ack.ok) {
        const { ok, ...result } = ack;
        void ok;
        return result as unknown as ResultOf<K>;
      }
      throw new OperatorCommandError(ack.error.code, ack.error.message, ack.error.details);
    }
    throw new OperatorCommandError(
      'UNAVAILABLE',
      `${name}: no answer from Switchboard after ${this.opts.commandAttempts} attempts (${(lastError as Error)?.message ?? 'timeout'})`,
    );
  }

  // ------------------------------------------------------------------------------ ordering

  private receive(name: SequencedEventName, event: OperatorEvent): void {
    if (name === 'snapshot') {
      // The state as of event.seq: earlier held events are superseded, later ones follow it.
      this.seq = event.seq;
      for (const s of [...this.held.keys()]) if (s <= event.seq) this.held.delete(s);
      this.deliver(name, event);
      this.drain();
      return;
    }
    if (this.seq !== undefined && event.seq <= this.seq) return; // seen already (a replay overlap)
    if (this.seq !== undefined && event.seq === this.seq + 1) {
      this.seq = event.seq;
      this.deliver(name, event);
      this.drain();
      return;
    }
    // Ahead of a missing one (or before the first snapshot): hold it until the gap fills.
    this.held.set(event.seq, { name, event });
    if (this.held.size > MAX_HELD) return this.resync();
    this.gapTimer ??= setTimeout(() => this.resync(), this.opts.gapTimeoutMs);
  }

  private drain(): void {
    for (let next = this.held.get(this.seq! + 1); next; next = this.held.get(this.seq! + 1)) {
      this.held.delete(next.event.seq);
      this.seq = next.event.seq;
      this.deliver(next.name, next.event);
    }
    if (this.held.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  /** A gap did not fill: reconnect, so the server replays from lastSeq or sends a snapshot. */
  private resync(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.held.clear();
    if (this.closed) return;
    this.socket.disconnect();
    this.socket.connect();
  }

  private deliver(name: SequencedEventName, event: OperatorEvent): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as Listener<SequencedEventName>)(event);
      } catch {
        // a listener's failure is the application's; the next listeners still get the event
      }
    }
  }

  private emitState(s: ConnectionState): void {
    for (const l of this.stateListeners) l(s);
  }

  private retryLater(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, ms);
  }

  private async tokenNow(): Promise<string> {
    const t = this.options.token;
    return typeof t === 'function' ? t() : t;
  }
}

import type { Socket } from 'node:net';
import { setVariable } from '../../protocol/agi/agi-command.js';
import type { AgiParserEvent, AgiRequest } from '../../protocol/agi/agi-message.js';
import { AgiRequestParser } from '../../protocol/agi/agi-request-parser.js';
import { AgiSession } from '../../protocol/agi/agi-session.js';
import { AgiSessionError, AgiSessionErrorCode } from '../../protocol/agi/agi.exception.js';

/** What the server decided for a request: the variables to set and how to count it. */
export interface AgiConnectionAnswer {
  readonly route: string;
  readonly outcome: string;
  readonly variables: readonly (readonly [string, string])[];
}

/** How a connection ended, for the metrics and the log. */
export interface AgiConnectionSummary {
  /** The route asked for, `none` before a complete header, `unknown` for one not registered. */
  readonly route: string;
  /**
   * The answer's outcome when every variable was set; else `hangup` (the caller hung up first),
   * `closed` (the client went away), `timeout` (silent client), `protocol-error`, `rejected`
   * (Asterisk refused a command).
   */
  readonly outcome: string;
  /** From the complete header block to the last reply, when a request was read. */
  readonly seconds?: number;
  readonly uniqueId?: string;
}

export interface AgiConnectionLog {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface AgiConnectionOptions {
  /** Longest silence accepted: for the header block from connect, then for each reply. */
  readonly silenceTimeoutMs: number;
  /**
   * Decides the answer (never rejects: failures are fallbacks decided by the server).
   * `acceptedAt` (performance.now()) is when the connection was accepted: the deadline runs from there.
   */
  readonly answer: (request: AgiRequest, acceptedAt: number) => Promise<AgiConnectionAnswer>;
  readonly onDone: (summary: AgiConnectionSummary) => void;
  readonly log: AgiConnectionLog;
}

/**
 * One FastAGI conversation, the server side of res_agi.c: read the `agi_*` header block, set the
 * answer's channel variables one command at a time (res_agi reads the next command only after
 * answering the previous one), then close, so Asterisk continues the dialplan.
 */
export class AgiConnection {
  private readonly parser: AgiRequestParser;
  private readonly session: AgiSession;
  private request: AgiRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private done = false;
  private readonly acceptedAt = performance.now();

  constructor(
    private readonly socket: Socket,
    private readonly options: AgiConnectionOptions,
  ) {
    this.parser = new AgiRequestParser((event) => this.onEvent(event));
    this.session = new AgiSession({ write: (line) => this.write(line), maxPending: 1 });
  }

  start(): void {
    this.socket.setNoDelay(true);
    this.arm(() => this.finish('timeout', 'no complete agi_* header block in time'));
    this.socket.on('data', (chunk: Buffer) => this.parser.push(chunk));
    this.socket.on('end', () => {
      this.parser.end();
      this.closeSession();
      this.finish('closed');
    });
    this.socket.on('error', (err) => {
      this.closeSession();
      this.finish('closed', `socket error: ${err.message}`);
    });
    this.socket.on('close', () => {
      clearTimeout(this.closeTimer);
      this.closeSession();
      this.finish('closed');
    });
  }

  /** Rejects a command still waiting (an Error per connection otherwise: measurable at 1,000/s). */
  private closeSession(): void {
    if (this.session.pendingCount > 0) this.session.close();
  }

  /** Closes at once (server shutdown). */
  destroy(): void {
    this.finish('closed');
  }

  private onEvent(event: AgiParserEvent): void {
    switch (event.type) {
      case 'request':
        this.disarm();
        this.request = event.request;
        void this.serve(event.request, performance.now());
        return;
      case 'error':
        this.session.handle(event);
        this.finish('protocol-error', `${event.error.code}: ${event.error.message}`, {
          line: event.error.line,
        });
        return;
      default:
        this.session.handle(event);
    }
  }

  private async serve(request: AgiRequest, started: number): Promise<void> {
    let answer: AgiConnectionAnswer;
    try {
      answer = await this.options.answer(request, this.acceptedAt);
    } catch (e) {
      // never expected (the server turns failures into fallbacks), but never an unhandled rejection
      this.finish('error', `no answer: ${(e as Error).message}`);
      return;
    }
    try {
      for (const [name, value] of answer.variables) {
        if (this.done) return;
        if (this.session.hungUp) break; // the caller left while we looked up: nothing to route
        this.arm(() => this.finish('timeout', `no reply to SET VARIABLE ${name} in time`));
        await this.session.send(setVariable(name, value));
      }
      this.disarm();
      const outcome = this.session.hungUp ? 'hangup' : answer.outcome;
      this.finish(outcome, undefined, { seconds: (performance.now() - started) / 1000 }, answer.route);
    } catch (e) {
      const seconds = (performance.now() - started) / 1000;
      if (e instanceof AgiSessionError && e.code === AgiSessionErrorCode.HANGUP) {
        this.finish('hangup', undefined, { seconds }, answer.route);
      } else if (e instanceof AgiSessionError && e.code === AgiSessionErrorCode.CLOSED) {
        this.finish('closed', e.message, { seconds }, answer.route);
      } else {
        this.finish('rejected', (e as Error).message, { seconds }, answer.route);
      }
    }
  }

  private write(line: string): void {
    if (this.socket.destroyed || !this.socket.writable) throw new Error('the connection is closed');
    this.socket.write(line);
  }

  private arm(onTimeout: () => void): void {
    this.disarm();
    this.timer = setTimeout(onTimeout, this.options.silenceTimeoutMs);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Ends the conversation once: a normal end closes our side and lets Asterisk close its own
   * (destroyed anyway after the silence timeout); anything else destroys the socket.
   */
  private finish(
    outcome: string,
    problem?: string,
    extra: { seconds?: number; line?: string } = {},
    route?: string,
  ): void {
    if (this.done) return;
    this.done = true;
    this.disarm();
    const uniqueId = this.request?.uniqueId;
    const routeName = route ?? (this.request ? this.request.route || 'none' : 'none');
    const graceful = problem === undefined && outcome !== 'closed';
    if (graceful) {
      this.socket.end();
      this.closeTimer = setTimeout(() => this.socket.destroy(), this.options.silenceTimeoutMs).unref();
    } else {
      this.socket.destroy();
    }
    if (outcome === 'hangup' || (outcome === 'closed' && !problem)) {
      this.options.log.debug(
        { uniqueid: uniqueId, route: routeName, outcome },
        'FastAGI conversation ended by the client',
      );
    } else if (problem !== undefined) {
      this.options.log.warn(
        {
          uniqueid: uniqueId,
          route: routeName,
          outcome,
          problem,
          line: extra.line,
          peer: this.socket.remoteAddress,
        },
        'FastAGI connection closed',
      );
    }
    this.options.onDone({ route: routeName, outcome, seconds: extra.seconds, uniqueId });
  }
}

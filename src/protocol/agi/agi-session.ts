import {
  AgiCommandError,
  AgiCommandErrorCode,
  AgiSessionError,
  AgiSessionErrorCode,
} from './agi.exception.js';
import type { AgiParserEvent, AgiReply, AgiResultReply } from './agi-message.js';

/**
 * Pairs the commands a FastAGI server sends with Asterisk's replies. res_agi handles one command
 * line at a time and answers each with exactly one final reply, in order, so a FIFO is enough.
 * Pure: the caller gives it a `write` function (the socket) and feeds it the parser's events.
 *
 * Hangup (res_agi run_agi()): when the channel hangs up, Asterisk sends `HANGUP` and goes on
 * reading commands in "dead" mode. Commands allowed on a dead channel (GET/SET VARIABLE, VERBOSE,
 * NOOP ...) still get a 200, the others `511`. With AGIEXITONHANGUP it stops reading instead and
 * nothing answers. So on `HANGUP` the commands still waiting are rejected at once (code HANGUP:
 * the caller is gone, routing is moot) and the replies that may still come for them are skipped,
 * which keeps later commands paired correctly in both modes. Commands sent after `HANGUP` work
 * as usual (`511` rejects with DEAD_CHANNEL).
 *
 * Known limit: STREAM FILE / GET OPTION interrupted by a new command send no reply (res_agi
 * "don't print a result line, as there is a new command"); do not pipeline after those.
 */
export interface AgiSessionOptions {
  /** Writes one command line to the connection. */
  readonly write: (line: string) => void;
  /** Most commands awaiting a reply at once. Default 16. */
  readonly maxPending?: number;
}

interface Pending {
  readonly command: string;
  readonly resolve: (reply: AgiResultReply) => void;
  readonly reject: (error: AgiSessionError) => void;
}

export class AgiSession {
  private readonly write: (line: string) => void;
  private readonly maxPending: number;
  private readonly pending: Pending[] = [];
  /** Replies still owed for commands already rejected by HANGUP; skipped when they arrive. */
  private orphanReplies = 0;
  private hangupSeen = false;
  private closedBy: AgiSessionError | undefined;

  constructor(options: AgiSessionOptions) {
    this.write = options.write;
    this.maxPending = options.maxPending ?? 16;
  }

  /** Asterisk sent `HANGUP`: the caller is gone (dead-channel commands still work). */
  get hungUp(): boolean {
    return this.hangupSeen;
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Commands written and not yet answered. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Writes one command line (from agi-command.ts) and resolves with its `200` reply. Rejects
   * with an AgiSessionError for 510/511/520/other codes, HANGUP, a closed connection or a full
   * queue, and with an AgiCommandError for a line that is not exactly one LF-terminated line.
   */
  send(line: string): Promise<AgiResultReply> {
    const command = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (this.closedBy) return Promise.reject(this.closedBy);
    if (command.includes('\n') || !line.endsWith('\n')) {
      // A second LF would be a second command, and its reply would shift every later pairing.
      return Promise.reject(
        new AgiCommandError(
          AgiCommandErrorCode.INVALID_ARGUMENT,
          'a command is exactly one line ending in LF',
        ),
      );
    }
    if (this.pending.length >= this.maxPending) {
      return Promise.reject(
        new AgiSessionError(
          AgiSessionErrorCode.TOO_MANY_PENDING,
          `${this.pending.length} commands already wait for a reply`,
          command,
        ),
      );
    }
    return new Promise<AgiResultReply>((resolve, reject) => {
      const entry: Pending = { command, resolve, reject };
      this.pending.push(entry);
      try {
        this.write(line);
      } catch (err) {
        this.pending.splice(this.pending.indexOf(entry), 1);
        reject(
          new AgiSessionError(AgiSessionErrorCode.CLOSED, 'writing the command failed', command, undefined, {
            cause: err,
          }),
        );
      }
    });
  }

  /** Feed every parser event here (the `request` event is ignored). */
  handle(event: AgiParserEvent): void {
    switch (event.type) {
      case 'reply':
        return this.onReply(event.reply);
      case 'hangup':
        return this.onHangup();
      case 'error':
        return this.close(
          new AgiSessionError(
            AgiSessionErrorCode.CLOSED,
            `protocol error: ${event.error.message}`,
            undefined,
            undefined,
            {
              cause: event.error,
            },
          ),
        );
      case 'request':
        return;
    }
  }

  /** The connection ended: every waiting command is rejected, later sends too. */
  close(reason?: AgiSessionError): void {
    if (this.closedBy) return;
    this.closedBy =
      reason ?? new AgiSessionError(AgiSessionErrorCode.CLOSED, 'the FastAGI connection is closed');
    const { code, message, reply, cause } = this.closedBy;
    for (const p of this.pending.splice(0))
      p.reject(new AgiSessionError(code, message, p.command, reply, { cause }));
  }

  private onReply(reply: AgiReply): void {
    // "100 result=0 Trying..." precedes GOSUB's final reply; it does not answer the command.
    if (reply.code === 100) return;
    if (this.orphanReplies > 0) {
      this.orphanReplies--;
      return;
    }
    const head = this.pending.shift();
    if (!head) {
      this.close(
        new AgiSessionError(
          AgiSessionErrorCode.UNEXPECTED_REPLY,
          'a reply arrived with no command waiting',
          undefined,
          reply,
        ),
      );
      return;
    }
    if (reply.kind === 'result' && reply.code === 200) return head.resolve(reply);
    head.reject(replyError(head.command, reply));
  }

  private onHangup(): void {
    this.hangupSeen = true;
    this.orphanReplies += this.pending.length;
    for (const p of this.pending.splice(0)) {
      p.reject(
        new AgiSessionError(AgiSessionErrorCode.HANGUP, 'the channel hung up before the reply', p.command),
      );
    }
  }
}

function replyError(command: string, reply: AgiReply): AgiSessionError {
  switch (reply.kind) {
    case 'dead-channel':
      return new AgiSessionError(AgiSessionErrorCode.DEAD_CHANNEL, reply.message, command, reply);
    case 'invalid-command':
      return new AgiSessionError(AgiSessionErrorCode.INVALID_COMMAND, reply.message, command, reply);
    case 'usage':
      return new AgiSessionError(AgiSessionErrorCode.INVALID_SYNTAX, reply.message, command, reply);
    default:
      return new AgiSessionError(AgiSessionErrorCode.COMMAND_FAILED, reply.raw, command, reply);
  }
}

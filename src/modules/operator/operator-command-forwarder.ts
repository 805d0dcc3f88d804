import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode, type ErrorDetail } from '../../common/errors/app-error.js';
import { AmiGatewayService } from '../ami/ami-gateway.service.js';
import { RedisService } from '../redis/redis.service.js';
import type { CommandActor } from './operator-commands.service.js';
import type { OperatorNamespace } from './operator-publisher.js';

export type ForwardedCommand = 'answer' | 'dial' | 'transfer' | 'hangup';

type Reply =
  | { ok: true; result: unknown }
  | { ok: false; error: { code: ErrorCode; message: string; details?: ErrorDetail[] } };

const EVENT = 'switchboard:operator-command';
/** Longer than the adapter's request timeout (3 s): an instance that never answers is not waited for beyond this. */
const FORWARD_TIMEOUT_MS = 5000;

/**
 * Runs a call command on the instance that ingests the call's PBX. Answer, transfer, hang-up and
 * click-to-call need what only that instance knows (who was offered the call, the call's channels,
 * the Originate's progress); a command received by another instance (the operator's browser or
 * the CRM back end is connected there) goes to it over the Socket.IO adapter's server-side
 * messages, and its outcome (result or coded error) comes back. Without REDIS_URL, or on the
 * ingesting instance, commands run where they are received, as with one instance.
 */
@Injectable()
export class OperatorCommandForwarder {
  private readonly logger = new Logger(OperatorCommandForwarder.name);
  private ns: OperatorNamespace | undefined;
  private run: ((op: ForwardedCommand, actor: CommandActor, args: unknown[]) => Promise<unknown>) | undefined;

  constructor(
    private readonly gateway: AmiGatewayService,
    private readonly redis: RedisService,
  ) {}

  /** The local runner (OperatorCommandsService). */
  serve(run: (op: ForwardedCommand, actor: CommandActor, args: unknown[]) => Promise<unknown>): void {
    this.run = run;
  }

  /** The namespace whose adapter carries the requests (the gateway, once it has it). */
  attach(ns: OperatorNamespace | undefined): void {
    this.ns = ns;
    if (!ns || !this.redis.enabled) return;
    const server = ns as unknown as {
      on(
        ev: string,
        fn: (
          req: { op: ForwardedCommand; pbxId: string; actor: CommandActor; args: unknown[] },
          cb: (r: Reply | null) => void,
        ) => void,
      ): void;
    };
    server.on(EVENT, (req, cb) => {
      if (typeof cb !== 'function') return;
      if (!this.run || !this.gateway.ingesting(req.pbxId)) return cb(null);
      this.run(req.op, req.actor, req.args).then(
        (result) => cb({ ok: true, result: result ?? null }),
        (e: unknown) => {
          const err = e instanceof AppError ? e : new AppError(ErrorCode.INTERNAL, 'Internal error');
          if (!(e instanceof AppError)) this.logger.error({ err: e, op: req.op }, 'Forwarded command failed');
          cb({ ok: false, error: { code: err.code, message: err.message, details: err.details } });
        },
      );
    });
  }

  /** True when the command must run on another instance (this one does not ingest the PBX). */
  elsewhere(pbxId: string): boolean {
    return this.redis.enabled && this.ns !== undefined && !this.gateway.ingesting(pbxId);
  }

  async forward<T>(pbxId: string, op: ForwardedCommand, actor: CommandActor, args: unknown[]): Promise<T> {
    const ns = this.ns as unknown as {
      serverSideEmit(
        ev: string,
        req: unknown,
        ack: (err: Error | null, replies: (Reply | null)[]) => void,
      ): void;
    };
    const replies = await new Promise<(Reply | null)[]>((resolve) => {
      const timer = setTimeout(() => resolve([]), FORWARD_TIMEOUT_MS);
      ns.serverSideEmit(EVENT, { op, pbxId, actor, args }, (_err, got) => {
        clearTimeout(timer);
        resolve(got ?? []); // on a timeout, the replies that came
      });
    });
    const reply = replies.find((r): r is Reply => r !== null && typeof r === 'object');
    if (!reply) {
      throw new AppError(
        ErrorCode.PBX_UNAVAILABLE,
        'No instance follows this PBX right now (it is being taken over, or unreachable): retry in a few seconds',
      );
    }
    if (reply.ok) return reply.result as T;
    throw new AppError(reply.error.code, reply.error.message, reply.error.details);
  }
}

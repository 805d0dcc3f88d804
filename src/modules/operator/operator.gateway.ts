import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  type Ack,
  type ClientToServerEvents,
  type CommandName,
  COMMANDS,
  OPERATOR_NAMESPACE,
  type OperatorError,
  type ServerToClientEvents,
} from '../../client/operator-protocol.js';
import { AppError, ErrorCode, type ErrorDetail } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { API_KEY_PREFIX, AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { HealthService } from '../health/health.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';
import {
  AgentPauseDto,
  AgentUnpauseDto,
  AuthRefreshDto,
  CallAnswerDto,
  CallDialDto,
  CallHangupDto,
  CallTransferDto,
} from './operator-commands.dto.js';
import { type CommandActor, OperatorCommandsService } from './operator-commands.service.js';
import { OperatorEventsService } from './operator-events.service.js';
import { originAllowed } from './operator-origin.js';
import { type OperatorNamespace, OperatorPublisher, type OperatorSocketData } from './operator-publisher.js';
import { rooms } from './operator-rooms.js';
import { OperatorPorts } from './ports/operator-ports.service.js';
import { CommandRateLimiter } from './state/command-rate-limiter.js';
import { OPERATOR_EVENT_LOG, type OperatorEventLog } from './state/operator-event-log.js';

type OperatorSocket = Socket<ClientToServerEvents, ServerToClientEvents, object, SocketState>;

interface SocketState extends OperatorSocketData {
  principal: Principal & { kind: 'user' };
  expiresAt: number | null;
  limiter: CommandRateLimiter;
  expiryTimer?: NodeJS.Timeout;
}

/** setTimeout's longest delay; a later expiry is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DTOS: Record<CommandName, new () => object> = {
  'call:answer': CallAnswerDto,
  'call:dial': CallDialDto,
  'call:transfer': CallTransferDto,
  'call:hangup': CallHangupDto,
  'agent:pause': AgentPauseDto,
  'agent:unpause': AgentUnpauseDto,
  'auth:refresh': AuthRefreshDto,
};

/** A refused handshake: the client's connect_error carries `{ code, message }` in err.data. */
function refusal(code: ErrorCode, message: string): Error & { data: OperatorError } {
  return Object.assign(new Error(message), { data: { code: code as OperatorError['code'], message } });
}

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Validates a command payload like the HTTP validation pipe (whitelist, unknown fields refused). */
export function validateCommand<T extends object>(cls: new () => T, payload: unknown): T {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'Invalid request: the command payload must be an object');
  }
  const dto = plainToInstance(cls, payload);
  const errors = validateSync(dto, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const details = flatten(errors);
    throw new AppError(
      ErrorCode.VALIDATION_FAILED,
      `Invalid request: ${[...new Set(details.map((d) => d.field))].join(', ')}`,
      details,
    );
  }
  return dto;
}

/**
 * The Socket.IO namespace `/operator`. The server is created here (not through @WebSocketGateway)
 * because its options come from the validated config at start: allowed origins, message size.
 * A handshake needs a user token in `auth`, from an allowed origin; the connection then joins its
 * user, group, supervisor and queue rooms, gets what it missed (or a snapshot), and sends commands
 * that are validated, rate-limited and acknowledged with `{ ok, ... }`. The token's expiry ends
 * the connection (`session:expired`) unless the client sends `auth:refresh` first.
 */
@Injectable()
export class OperatorGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OperatorGateway.name);
  private io: Server | undefined;
  private ns: OperatorNamespace | undefined;
  private readonly connected;
  private readonly refused;
  private readonly commandsTotal;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly publisher: OperatorPublisher,
    private readonly events: OperatorEventsService,
    private readonly commands: OperatorCommandsService,
    private readonly ports: OperatorPorts,
    @Inject(OPERATOR_EVENT_LOG) private readonly log: OperatorEventLog,
    private readonly health: HealthService,
    private readonly redis: RedisService,
    metrics: MetricsService,
  ) {
    this.connected = metrics.gauge({
      name: 'switchboard_operator_sockets',
      help: 'Operator sockets connected',
    });
    this.refused = metrics.counter({
      name: 'switchboard_operator_handshakes_refused_total',
      help: 'Operator handshakes refused, by error code',
      labelNames: ['code'],
    });
    this.commandsTotal = metrics.counter({
      name: 'switchboard_operator_commands_total',
      help: 'Operator commands, by command and outcome (ok or an error code)',
      labelNames: ['command', 'outcome'],
    });
  }

  /** The Socket.IO server (the Redis adapter of a multi-instance setup is installed on it). */
  get server(): Server | undefined {
    return this.io;
  }

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    const allowed = this.config.operator.origins;
    this.io = new Server(http, {
      maxHttpBufferSize: this.config.operator.maxMessageBytes,
      // Cross-origin long-polling needs CORS headers for the configured origins; the handshake middleware decides.
      cors: allowed.length > 0 ? { origin: allowed, credentials: false } : undefined,
      pingInterval: 10_000,
      pingTimeout: 5_000,
    });
    // REDIS_URL: rooms span the instances (a popup reaches the user's sockets wherever they are).
    const adapter = this.redis.socketIoAdapter();
    if (adapter) this.io.adapter(adapter);
    // Only /operator exists: the default namespace refuses everyone.
    this.io
      .of('/')
      .use((_, next) => next(refusal(ErrorCode.NOT_FOUND, `Connect to the ${OPERATOR_NAMESPACE} namespace`)));
    const ns: OperatorNamespace = this.io.of(OPERATOR_NAMESPACE);
    ns.use((socket, next) => {
      this.handshake(socket as OperatorSocket).then(
        () => next(),
        (e: unknown) => {
          const err =
            e instanceof AppError
              ? refusal(e.code, e.message)
              : refusal(ErrorCode.INTERNAL, 'Internal error');
          if (!(e instanceof AppError)) this.logger.error({ err: e }, 'Operator handshake failed');
          this.refused.labels({ code: err.data.code }).inc();
          next(err);
        },
      );
    });
    ns.on('connection', (socket) => void this.onConnection(socket as OperatorSocket));
    this.ns = ns;
    this.publisher.attach(ns);
    this.commands.forwarder.attach(ns);
    this.health.register('operator-gateway', () => ({ status: 'up', sockets: ns.sockets.size }));
  }

  async onApplicationShutdown(): Promise<void> {
    this.publisher.attach(undefined);
    this.health.unregister('operator-gateway');
    const io = this.io;
    this.io = undefined;
    if (!io) return;
    for (const s of this.ns?.sockets.values() ?? []) {
      clearTimeout((s.data as SocketState).expiryTimer);
      s.emit('session:closing', { code: 'SHUTDOWN', message: 'The server is restarting: reconnecting' });
    }
    io.disconnectSockets(true);
    // Not io.close(): it would close the HTTP server, which Nest closes itself.
    await new Promise<void>((resolve) => {
      io.engine.close();
      resolve();
    });
  }

  private async handshake(socket: OperatorSocket): Promise<void> {
    const { headers, auth, query } = socket.handshake;
    const origin = typeof headers.origin === 'string' ? headers.origin : undefined;
    if (!originAllowed(origin, headers.host, this.config.operator.origins)) {
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `Origin ${origin} is not allowed to connect (OPERATOR_ORIGINS)`,
      );
    }
    if (query && ('token' in query || 'access_token' in query)) {
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'The token goes in the handshake auth payload, never in the URL',
      );
    }
    const token = (auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new AppError(
        ErrorCode.UNAUTHENTICATED,
        'Missing token: connect with auth: { token } from POST /api/v1/auth/token',
      );
    }
    if (token.startsWith(API_KEY_PREFIX) || token.length > 4096) {
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Operator connections take a user token, not an API key');
    }
    const principal = await this.auth.authenticate(undefined, token);
    if (principal.kind !== 'user') throw new AppError(ErrorCode.UNAUTHENTICATED, 'A user token is required');
    const now = Date.now();
    socket.data = {
      userId: principal.userId,
      role: principal.role,
      displayName: principal.displayName,
      principal,
      expiresAt: this.auth.tokenExpiry(token)?.getTime() ?? null,
      limiter: new CommandRateLimiter(
        this.config.operator.commandsPerSecond,
        this.config.operator.commandsPerSecond * 2,
        now,
      ),
    };
  }

  private async onConnection(socket: OperatorSocket): Promise<void> {
    const { userId, displayName } = socket.data;
    this.connected.inc();
    socket.on('disconnect', () => {
      this.connected.dec();
      clearTimeout(socket.data.expiryTimer);
    });
    this.armExpiry(socket);
    for (const name of COMMANDS) {
      socket.on(
        name,
        ((payload: unknown, ack: unknown) => void this.command(socket, name, payload, ack)) as never,
      );
    }
    try {
      if (this.config.operator.uniqueSession) await this.replaceOlderSessions(socket);
      if (!socket.connected) return;
      const groups = await this.ports.directory.groupsOfUser(userId).catch((e: unknown) => {
        this.logger.warn({ userId, err: (e as Error).message }, 'Operator connected without group rooms');
        return [];
      });
      const joined = [rooms.user(userId)];
      for (const g of groups) {
        joined.push(rooms.group(g.groupId), rooms.queue(g.pbxId, g.queue));
        if (g.role === 'supervisor') joined.push(rooms.supervisors(g.groupId));
      }
      await socket.join(joined);
      await this.catchUp(socket, displayName);
    } catch (e) {
      this.logger.error({ err: e, userId }, 'Operator connection setup failed');
      socket.disconnect(true);
    }
  }

  /** What the client missed since its lastSeq, or a snapshot when that cannot be told. */
  private async catchUp(socket: OperatorSocket, displayName: string): Promise<void> {
    const { userId } = socket.data;
    const raw = (socket.handshake.auth as { lastSeq?: unknown }).lastSeq;
    const lastSeq = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
    if (lastSeq !== undefined) {
      const missed = await this.log.since(userId, lastSeq);
      if (missed !== null) {
        for (const { name, event } of missed)
          (socket.emit as (n: string, e: unknown) => boolean)(name, event);
        return;
      }
    }
    const seq = await this.log.lastSeq(userId);
    const snapshot = await this.events.snapshot(userId, displayName, lastSeq !== undefined);
    socket.emit('snapshot', { ...snapshot, seq, at: new Date().toISOString() });
  }

  /** OPERATOR_UNIQUE_SESSION: the user's other connections (on any instance) are told and closed. */
  private async replaceOlderSessions(socket: OperatorSocket): Promise<void> {
    const room = rooms.user(socket.data.userId);
    const notice = {
      code: 'SESSION_REPLACED',
      message: 'You signed in somewhere else: this session was closed',
    };
    // Local sockets only: with the Redis adapter a cluster-wide fetchSockets() makes every other
    // instance JSON-serialize its sockets' data, whose expiry timer is circular (its request
    // handler would throw). Other instances get broadcast operations instead.
    const others = (await this.ns!.local.in(room).fetchSockets()).filter((s) => s.id !== socket.id);
    for (const other of others) {
      other.emit('session:replaced', notice as never);
      other.disconnect(true);
    }
    if (this.redis.enabled) {
      const remote = this.ns!.in(room).except(socket.id);
      (remote as unknown as { emit(n: string, e: unknown): boolean }).emit('session:replaced', notice);
      // Let the notice go out before the close.
      setTimeout(() => remote.disconnectSockets(true), 50).unref();
    }
    if (others.length > 0)
      this.logger.log({ userId: socket.data.userId, replaced: others.length }, 'Operator session replaced');
  }

  private armExpiry(socket: OperatorSocket): void {
    clearTimeout(socket.data.expiryTimer);
    const at = socket.data.expiresAt;
    if (at === null) return;
    const delay = at - Date.now();
    socket.data.expiryTimer = setTimeout(
      () => {
        if (Date.now() < at) return this.armExpiry(socket);
        socket.emit('session:expired', {
          code: 'TOKEN_EXPIRED',
          message: 'Your token expired: reconnect with a new one (or send auth:refresh before it expires)',
        });
        socket.disconnect(true);
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    socket.data.expiryTimer.unref();
  }

  private async command(
    socket: OperatorSocket,
    name: CommandName,
    payload: unknown,
    ack: unknown,
  ): Promise<void> {
    if (typeof ack !== 'function') return; // nothing to answer to: commands are always acknowledged
    const reply = ack as (r: Ack<object>) => void;
    try {
      if (!socket.data.limiter.take(Date.now())) {
        throw new AppError(
          ErrorCode.RATE_LIMITED,
          `More than ${this.config.operator.commandsPerSecond} commands per second: slow down`,
        );
      }
      const result = await this.run(socket, name, validateCommand(DTOS[name], payload));
      this.commandsTotal.labels({ command: name, outcome: 'ok' }).inc();
      reply({ ok: true, ...result });
    } catch (e) {
      const error: OperatorError =
        e instanceof AppError
          ? {
              code: e.code as OperatorError['code'],
              message: e.message,
              ...(e.details ? { details: e.details } : {}),
            }
          : { code: 'INTERNAL', message: 'Internal error' };
      if (!(e instanceof AppError))
        this.logger.error({ err: e, command: name, userId: socket.data.userId }, 'Operator command failed');
      this.commandsTotal.labels({ command: name, outcome: error.code }).inc();
      reply({ ok: false, error });
    }
  }

  private async run(socket: OperatorSocket, name: CommandName, dto: object): Promise<object> {
    const { userId, principal } = socket.data;
    const actor: CommandActor = { principal, userId, keyScope: `user:${userId}` };
    const c = this.commands;
    switch (name) {
      case 'auth:refresh':
        return this.refresh(socket, (dto as AuthRefreshDto).token);
      case 'call:answer': {
        const d = dto as CallAnswerDto;
        return c.once(actor, d.idempotencyKey, `answer ${d.callId}`, () => c.answer(actor, d.callId));
      }
      case 'call:dial': {
        const d = dto as CallDialDto;
        return c.once(actor, d.idempotencyKey, `dial ${d.number} ${d.pbxId ?? ''}`, () =>
          c.dial(actor, d.number, d.pbxId),
        );
      }
      case 'call:transfer': {
        const d = dto as CallTransferDto;
        return c.once(actor, d.idempotencyKey, `transfer ${d.callId} ${d.to}`, () =>
          c.transfer(actor, d.callId, d.to),
        );
      }
      case 'call:hangup': {
        const d = dto as CallHangupDto;
        return c.once(actor, d.idempotencyKey, `hangup ${d.callId}`, () => c.hangup(actor, d.callId));
      }
      case 'agent:pause': {
        const d = dto as AgentPauseDto;
        return c.once(actor, d.idempotencyKey, `pause ${d.reason}`, () => c.setPaused(actor, true, d.reason));
      }
      case 'agent:unpause': {
        const d = dto as AgentUnpauseDto;
        return c.once(actor, d.idempotencyKey, `unpause ${d.reason ?? ''}`, () =>
          c.setPaused(actor, false, d.reason),
        );
      }
    }
  }

  /** A fresh token for the same user extends the connection. */
  private async refresh(socket: OperatorSocket, token: string): Promise<{ expiresAt: string }> {
    if (token.startsWith(API_KEY_PREFIX))
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'A user token is required');
    const principal = await this.auth.authenticate(undefined, token);
    if (principal.kind !== 'user' || principal.userId !== socket.data.userId) {
      throw new AppError(ErrorCode.FORBIDDEN, 'The new token must be for the same user');
    }
    const expiry = this.auth.tokenExpiry(token);
    socket.data.expiresAt = expiry?.getTime() ?? null;
    socket.data.principal = principal;
    this.armExpiry(socket);
    return { expiresAt: (expiry ?? new Date(8.64e15)).toISOString() };
  }
}

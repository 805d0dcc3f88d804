import { createServer, type Server, type Socket } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { AgiRequest } from '../../protocol/agi/agi-message.js';
import { AppConfig } from '../../config/app-config.js';
import { HealthService } from '../health/health.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AgiConnection, type AgiConnectionAnswer, type AgiConnectionSummary } from './agi-connection.js';
import { AgiPbxLocator } from './agi-pbx-locator.js';
import { AgiRouteRegistry } from './agi-route-registry.js';
import { LogBudget } from './log-budget.js';
import { FailOpenRunner, lookupBudgetMs, type FailOpenResult } from './fail-open.js';
import type { AgiAnswer } from './agi-route.js';

/** Injection token of the FailOpenRunner shared by the FastAGI server and its HTTP twin. */
export const AGI_FAIL_OPEN = Symbol.for('switchboard.agi.fail-open');

/**
 * The FastAGI server (node:net): Asterisk's `AGI(agi://host:port/<route>?...)` connects here.
 * Each request is answered within AGI_DEADLINE_MS: the route's lookup runs under a budget, and
 * when it is late, fails, or too many lookups are already running, the route's fallback (empty
 * variables) is sent instead, so the dialplan falls through to its queue. Connections are bounded
 * (AGI_MAX_CONNECTIONS; more are refused by the kernel socket being closed at once), and a client
 * silent for AGI_HEADER_TIMEOUT_MS is disconnected.
 */
@Injectable()
export class AgiServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgiServer.name);
  private server: Server | undefined;
  private readonly connections = new Set<AgiConnection>();
  /** Every open socket, those closing after their answer included (destroyed at shutdown). */
  private readonly sockets = new Set<Socket>();
  private listening = false;
  private deadlineMisses = 0;
  private requests = 0;
  private refused = 0;
  private readonly requestsTotal: Counter<'route' | 'outcome'>;
  private readonly duration: Histogram<'route'>;
  private readonly misses: Counter<'route'>;
  private readonly refusedTotal: Counter<string>;
  private readonly open: Gauge<string>;
  /** Per-request warnings and errors: the first ones of each second in full, then a count. */
  private readonly missLog = new LogBudget(20);
  private readonly errorLog = new LogBudget(20);
  private readonly connectionLog = new LogBudget(20);

  constructor(
    private readonly config: AppConfig,
    private readonly registry: AgiRouteRegistry,
    private readonly pbxLocator: AgiPbxLocator,
    @Inject(AGI_FAIL_OPEN) private readonly failOpen: FailOpenRunner,
    private readonly health: HealthService,
    metrics: MetricsService,
  ) {
    this.requestsTotal = metrics.counter({
      name: 'switchboard_agi_requests_total',
      help: 'FastAGI requests by route and outcome (routed, unknown-caller, deadline, error, hangup, ...)',
      labelNames: ['route', 'outcome'],
    });
    this.duration = metrics.histogram({
      name: 'switchboard_agi_request_duration_seconds',
      help: 'FastAGI requests: from the complete agi_* header to the reply to the last command',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    });
    this.misses = metrics.counter({
      name: 'switchboard_agi_deadline_misses_total',
      help: 'FastAGI lookups that missed their deadline and were answered with the fallback',
      labelNames: ['route'],
    });
    this.refusedTotal = metrics.counter({
      name: 'switchboard_agi_connections_refused_total',
      help: 'FastAGI connections closed at once because AGI_MAX_CONNECTIONS were open',
    });
    this.open = metrics.gauge({ name: 'switchboard_agi_connections', help: 'Open FastAGI connections' });
  }

  /** The port the server listens on (the bound one when AGI_PORT=0). */
  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('the FastAGI server is not listening');
    return address.port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { host, port, maxConnections } = this.config.agi;
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = maxConnections;
    server.on('drop', () => {
      this.refused++;
      this.refusedTotal.inc();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.error({ err }, 'FastAGI server error'));
    this.server = server;
    this.listening = true;
    this.health.register('agi', () => ({
      status: this.listening ? 'up' : 'down',
      listening: this.listening,
      port: this.listening ? this.port : null,
      connections: this.connections.size,
      maxConnections,
      requests: this.requests,
      deadlineMisses: this.deadlineMisses,
      refusedConnections: this.refused,
      lookupsInFlight: this.failOpen.inFlight,
    }));
    this.logger.log({ host, port: this.port, routes: this.registry.names }, 'FastAGI server listening');
  }

  async onApplicationShutdown(): Promise<void> {
    this.health.unregister('agi');
    this.listening = false;
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const connection = new AgiConnection(socket, {
      silenceTimeoutMs: this.config.agi.headerTimeoutMs,
      answer: (request, acceptedAt) => this.answer(request, socket.remoteAddress, acceptedAt),
      onDone: (summary) => this.done(connection, summary),
      log: {
        debug: (fields, message) => this.logger.debug(fields, message),
        warn: (fields, message) => {
          const line = this.connectionLog.take();
          if (line) this.logger.warn({ ...fields, ...line }, message);
        },
      },
    });
    this.connections.add(connection);
    this.open.set(this.connections.size);
    connection.start();
  }

  /**
   * The route's answer, or its fallback when the lookup is late, fails or cannot start. The
   * deadline runs from the accept: a request that waited in line (a saturated process) gets a
   * shorter budget, or none and the fallback at once, which sheds the load instead of adding to it.
   */
  private async answer(
    request: AgiRequest,
    remoteAddress: string | undefined,
    acceptedAt: number,
  ): Promise<AgiConnectionAnswer> {
    const route = this.registry.get(request.route);
    if (!route) {
      this.logger.warn(
        { uniqueid: request.uniqueId, request: request.request, known: this.registry.names },
        'FastAGI request for an unknown route: answered with nothing',
      );
      return { route: 'unknown', outcome: 'unknown-route', variables: [] };
    }
    const pbxId = this.pbxLocator.locate(request.query.pbx, remoteAddress);
    const result: FailOpenResult<AgiAnswer> = await this.failOpen.run(
      (signal) => route.handle({ request, pbxId, signal }),
      lookupBudgetMs(this.config.agi.deadlineMs) - (performance.now() - acceptedAt),
    );
    const fields = { uniqueid: request.uniqueId, route: route.name, pbx: pbxId, callerid: request.callerId };
    switch (result.kind) {
      case 'value':
        return { route: route.name, ...result.value };
      case 'deadline': {
        this.deadlineMisses++;
        this.misses.inc({ route: route.name });
        const line = this.missLog.take();
        if (line) {
          this.logger.warn(
            {
              ...fields,
              ...line,
              deadlineMs: this.config.agi.deadlineMs,
              waitedMs: Math.round(performance.now() - acceptedAt),
            },
            'FastAGI lookup missed its deadline: answered empty',
          );
        }
        return { route: route.name, outcome: 'deadline', variables: route.fallback(request) };
      }
      case 'overloaded': {
        const line = this.missLog.take();
        if (line) {
          this.logger.warn(
            { ...fields, ...line, inFlight: this.failOpen.inFlight },
            'FastAGI lookups saturated: answered empty',
          );
        }
        return { route: route.name, outcome: 'overloaded', variables: route.fallback(request) };
      }
      case 'error': {
        const line = this.errorLog.take();
        if (line)
          this.logger.error(
            { ...fields, ...line, err: result.error },
            'FastAGI lookup failed: answered empty',
          );
        return { route: route.name, outcome: 'error', variables: route.fallback(request) };
      }
    }
  }

  private done(connection: AgiConnection, summary: AgiConnectionSummary): void {
    this.connections.delete(connection);
    this.open.set(this.connections.size);
    // A bare connect and close (a port probe) is not a request.
    if (summary.route === 'none' && summary.outcome === 'closed') return;
    this.requests++;
    this.requestsTotal.inc({ route: summary.route, outcome: summary.outcome });
    if (summary.seconds !== undefined) this.duration.observe({ route: summary.route }, summary.seconds);
  }
}

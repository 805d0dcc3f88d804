import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config.js';
import { HealthService } from '../health/health.service.js';
import { MetricsService } from '../metrics/metrics.service.js';

const LOG_INTERVAL_MS = 30_000;

/**
 * The publishing client of the Socket.IO adapter. The adapter publishes without handling the
 * returned promise; while Redis is down that promise rejects, and an unhandled rejection would
 * end the process. The local broadcast happens anyway (the adapter does it after publishing).
 */
class SafePublisher extends Redis {
  override publish(...args: Parameters<Redis['publish']>): ReturnType<Redis['publish']> {
    const p = super.publish(...args);
    p.catch(() => undefined);
    return p;
  }
}

/**
 * Redis shared by the instances (REDIS_URL): the Socket.IO adapter (a popup published on one
 * instance reaches the operator's sockets on every instance), and the operator event log,
 * idempotency keys and call claims (redis-*.ts beside this file). Unset: nothing here runs and
 * those stay in memory.
 *
 * Redis going away never stops an instance: commands fail fast (no offline queue, a command
 * timeout), their callers fall back to local memory, each instance keeps serving its own sockets,
 * ioredis reconnects forever, and /health says `redis: degraded` meanwhile.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private commands?: Redis;
  private pub?: SafePublisher;
  private sub?: Redis;
  private lastLogAt = 0;
  private lastError: string | undefined;
  private downSince: number | null = null;
  private readonly fallbackCounter;
  private readonly upGauge;
  private fallbacks = 0;
  /** Namespaces every key and channel: instances sharing a database share them. */
  readonly prefix: string;

  constructor(
    private readonly config: AppConfig,
    private readonly health: HealthService,
    metrics: MetricsService,
  ) {
    const db = config.database.url ? new URL(config.database.url).pathname.slice(1) : 'embedded';
    this.prefix = `sb:${db || 'default'}:`;
    this.fallbackCounter = metrics.counter({
      name: 'switchboard_redis_fallbacks_total',
      help: 'Operations served from local memory because Redis was unavailable, by what',
      labelNames: ['what'],
    });
    this.upGauge = metrics.gauge({
      name: 'switchboard_redis_up',
      help: '1 while the Redis command connection is ready',
    });
  }

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  /** The command connection is ready: use Redis; otherwise fall back at once (never wait for it). */
  get up(): boolean {
    return this.commands?.status === 'ready';
  }

  /** The command connection (throws when REDIS_URL is unset). */
  get client(): Redis {
    if (!this.commands) throw new Error('REDIS_URL is not set');
    return this.commands;
  }

  onModuleInit(): void {
    const url = this.config.redisUrl;
    if (!url) return;
    const common: RedisOptions = {
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
      lazyConnect: false,
    };
    // Commands and publishes fail at once while Redis is away (callers fall back), and a stalled
    // Redis answers within a second or is treated as away.
    const failFast: RedisOptions = {
      ...common,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
    };
    this.commands = this.watch(new Redis(url, { ...failFast, connectionName: 'switchboard' }), 'commands');
    this.pub = this.watch(new SafePublisher(url, { ...failFast, connectionName: 'switchboard-pub' }), 'pub');
    // The subscriber queues its (re)subscriptions until connected and resubscribes after a reconnect.
    this.sub = this.watch(
      new Redis(url, { ...common, maxRetriesPerRequest: null, connectionName: 'switchboard-sub' }),
      'sub',
    );
    this.health.register('redis', () => this.status());
  }

  async onApplicationShutdown(): Promise<void> {
    this.health.unregister('redis');
    for (const c of [this.sub, this.pub, this.commands]) c?.disconnect(false);
    this.sub = this.pub = this.commands = undefined;
  }

  /** The Socket.IO adapter over Redis pub/sub; undefined without REDIS_URL. */
  socketIoAdapter(): ReturnType<typeof createAdapter> | undefined {
    if (!this.pub || !this.sub) return undefined;
    return createAdapter(this.pub, this.sub, { key: `${this.prefix}socket.io`, requestsTimeout: 3000 });
  }

  /** Counts an operation served locally because Redis was away (health, metrics). */
  fellBack(what: string, err?: unknown): void {
    this.fallbacks++;
    this.fallbackCounter.labels({ what }).inc();
    if (err) this.note(`${what}: ${(err as Error).message}`);
  }

  private watch<T extends Redis>(client: T, role: string): T {
    client.on('error', (e: Error) => this.note(`${role}: ${e.message}`));
    client.on('ready', () => {
      if (role !== 'commands') return;
      this.upGauge.set(1);
      if (this.downSince !== null) {
        this.logger.log({ downMs: Date.now() - this.downSince }, 'Redis is back');
        this.downSince = null;
      }
    });
    client.on('close', () => {
      if (role !== 'commands') return;
      this.upGauge.set(0);
      this.downSince ??= Date.now();
    });
    return client;
  }

  private note(message: string): void {
    this.lastError = message;
    const now = Date.now();
    if (now - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = now;
    this.logger.warn({ err: message }, 'Redis unavailable: serving from local memory meanwhile');
  }

  private status() {
    const states = {
      commands: this.commands?.status ?? 'none',
      pub: this.pub?.status ?? 'none',
      sub: this.sub?.status ?? 'none',
    };
    const allReady = Object.values(states).every((s) => s === 'ready');
    return {
      status: allReady ? ('up' as const) : ('degraded' as const),
      ...states,
      fallbacks: this.fallbacks,
      ...(this.downSince !== null ? { downForMs: Date.now() - this.downSince } : {}),
      ...(!allReady && this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { UUID_PATTERN } from '../../common/uuid.js';
import { pgPool } from '../../database/pg-pool.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** The PostgreSQL channel of directory changes. */
const CHANNEL = 'switchboard_directory';
/** More users than this in one change are announced as "everything" (and a payload stays small). */
const MAX_USERS_PER_CHANGE = 100;
/** How long a cache of the directory keeps an answer while every change is heard. */
const HEARD_CACHE_TTL_MS = 10 * 60_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 10_000;

/** Users whose peers or memberships changed; null: anything may have changed (a group, or unknown). */
export type DirectoryChange = readonly string[] | null;

/**
 * Announces a directory change in the transaction that makes it. NOTIFY is transactional: every
 * instance hears it once the change is committed, and never hears a change that was rolled back.
 */
export async function announceDirectoryChange(m: EntityManager, users: DirectoryChange): Promise<void> {
  const payload = users === null || users.length > MAX_USERS_PER_CHANGE ? null : [...new Set(users)];
  await m.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ users: payload })]);
}

/**
 * Hears the directory's changes on every instance (LISTEN on a connection of its own), so that the
 * caches built from the directory (who owns a phone, an agent's groups and supervisors) follow a
 * change made over the REST API of any instance at once instead of when they expire. While the
 * connection is away changes may be missed: after a reconnect, listeners are told "anything".
 */
@Injectable()
export class DirectoryChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DirectoryChanges.name);
  private readonly listeners = new Set<(change: DirectoryChange) => void>();
  private client: pg.Client | undefined;
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The current connection is listening; `everListened`: some connection did before. */
  private up = false;
  private everListened = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    metrics: MetricsService,
  ) {
    const listening = () => this.up;
    metrics.gauge({
      name: 'switchboard_directory_changes_listening',
      help: '1 while the LISTEN connection for directory changes is up (else caches follow changes only at expiry)',
      collect() {
        this.set(listening() ? 1 : 0);
      },
    });
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.up;
  }

  /**
   * How long a cache of the directory may keep an answer: while every change is heard, a change
   * drops what it touches at once, and the ttl only bounds a notification lost on a half-open
   * connection (10 min); else `unheardMs`, for answers of any age.
   */
  cacheTtlMs(unheardMs: number): number {
    return this.up ? HEARD_CACHE_TTL_MS : unheardMs;
  }

  /** Calls `fn` on every change (on this instance or another); answers the unsubscribe. */
  onChange(fn: (change: DirectoryChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onApplicationBootstrap(): void {
    void this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      ...pgPool(this.db).options,
      application_name: 'switchboard-directory-changes',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    this.client = client;
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      if (n.channel === CHANNEL) this.tell(parseChange(n.payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.client !== client) return;
    this.up = true;
    if (this.everListened) {
      this.logger.log('Listening to directory changes again');
      this.tell(null); // what changed while away is unknown
    }
    this.everListened = true;
    this.retryMs = RETRY_FIRST_MS;
  }

  /** The connection failed or ended: try again later (once per connection). */
  private lost(client: pg.Client, e?: Error): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.up = false;
    client.end().catch(() => undefined);
    this.logger.warn(
      { err: e?.message, retryInMs: this.retryMs },
      'Lost the directory changes connection; caches fall back to their expiry meanwhile',
    );
    this.retryTimer = setTimeout(() => void this.listen(), this.retryMs).unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private tell(change: DirectoryChange): void {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch (e) {
        this.logger.error({ err: e }, 'A directory change listener failed');
      }
    }
  }
}

/** A notification's payload; anything unexpected counts as "anything may have changed". */
export function parseChange(payload: string | undefined): DirectoryChange {
  try {
    const users = (JSON.parse(payload ?? '') as { users?: unknown }).users;
    if (Array.isArray(users) && users.length <= MAX_USERS_PER_CHANGE && users.every(isUserId)) return users;
  } catch {
    // not JSON: fall through
  }
  return null;
}

const isUserId = (u: unknown): u is string => typeof u === 'string' && UUID_PATTERN.test(u);

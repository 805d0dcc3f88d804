import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { AmiLogger } from './client/ami-client.js';
import {
  LEASE_APP_PREFIX,
  ingestLeaseKey,
  leaseApplicationName,
  parseLeaseApplicationName,
  pgLocksIds,
} from './ingest-lease-key.js';

/**
 * - waiting: another instance ingests this PBX (or nobody yet); we try again every tick.
 * - owner: we hold the advisory lock on our lease connection.
 * - unproven: we held it, but the lease connection dropped: we cannot prove we still do.
 */
export type LeaseState = 'waiting' | 'owner' | 'unproven';

export interface LeaseTarget {
  pbxId: string;
  name: string;
  /** The PBX's region (pbxes.region): an instance of that region is preferred as its ingester. */
  region: string | null;
  /** False while this instance cannot reach the PBX (actions session down): it does not bid then. */
  canIngest(): boolean;
}

export interface LeaseStatus {
  state: LeaseState;
  /** The lease connection to PostgreSQL is up. */
  connection: 'up' | 'down';
  /** Who holds the lease when it is not us: instance name (and region) from pg_stat_activity. */
  holder: string | null;
  since: string | null;
  acquisitions: number;
}

export interface IngestLeaseOptions {
  databaseUrl: string;
  instance: string;
  region: string | null;
  logger: AmiLogger;
  /** How often non-owners try, and owners check their connection (default 1000 ms). */
  tickMs?: number;
  /** A query on the lease connection slower than this declares the connection dead (default 3000 ms). */
  queryTimeoutMs?: number;
  /** A foreign-region owner hands a PBX back once an instance of its region has been there this long. */
  handbackAfterMs?: number;
}

interface Watched {
  readonly target: LeaseTarget;
  readonly key: string;
  readonly classid: number;
  readonly objid: number;
  state: LeaseState;
  /** Consecutive ticks that saw the lock free. */
  freeTicks: number;
  /** We held it when the connection dropped: take it back on the first free sighting. */
  sticky: boolean;
  holder: string | null;
  since: Date | null;
  acquisitions: number;
  /** Since when an instance of the PBX's own region has been connected (for handback). */
  homeSeenSince: number | null;
  /** When we last handed it back, and until when we do not again (nobody took it: that instance cannot). */
  handedBackAt: number | null;
  noHandbackUntil: number;
}

interface LeaseEvents {
  /** We hold the lease now; `reclaimed` when it is the one we held before our connection dropped. */
  acquired: [pbxId: string, reclaimed: boolean];
  /**
   * Our lease connection dropped while we held this PBX. `alone`: no other instance had a lease
   * connection at our last look, so none can be taking it over (with one instance nothing changes);
   * otherwise stop acting on its events now.
   */
  unproven: [pbxId: string, alone: boolean];
  /** We no longer hold it (another instance took it, or we handed it back): forget its state. */
  lost: [pbxId: string, reason: string];
}

const RECONNECT_MIN_MS = 250;
const HANDBACK_RETAKEN_MS = 30_000;
const HANDBACK_PAUSE_MS = 10 * 60_000;
const RECONNECT_MAX_MS = 2000;
/**
 * Server-side detection of a vanished lease connection (so that its lock frees): TCP keepalives
 * every second after 2 s idle, 3 probes, and unacknowledged data given up after 4 s.
 */
const SERVER_KEEPALIVE_SQL = [
  'SET tcp_keepalives_idle = 2',
  'SET tcp_keepalives_interval = 1',
  'SET tcp_keepalives_count = 3',
  'SET tcp_user_timeout = 4000',
];

/**
 * Each PBX's event stream is ingested by exactly one instance: the one holding a PostgreSQL
 * session-level advisory lock on a key derived from the PBX id, on a connection of its own (not
 * the TypeORM pool, whose connections come and go). A lock lives exactly as long as that session:
 * when its instance dies, the server ends the session and the lock frees; another instance's next
 * tick takes it.
 *
 * Who bids first when a lock is free: the instance that held it before its own connection dropped
 * (it holds the events it received meanwhile), or an instance that never saw another one (a plain
 * single-instance start); then instances of the PBX's region (second sighting); then the others
 * (third). An owner
 * outside the PBX's region hands it back once an instance of that region has been connected for
 * `handbackAfterMs`. An instance that cannot reach the PBX does not bid.
 */
export class IngestLeases extends EventEmitter<LeaseEvents> {
  private readonly watched = new Map<string, Watched>();
  private client: pg.Client | undefined;
  private ownPid = 0;
  private connecting = false;
  private stopped = true;
  private everDropped = false;
  /** Other instances' lease connections at the last tick, and ever. */
  private othersSeen = false;
  private everSawOthers = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private lastError: string | undefined;
  private readonly tickMs: number;
  private readonly queryTimeoutMs: number;
  private readonly handbackAfterMs: number;
  private readonly appName: string;

  constructor(private readonly opts: IngestLeaseOptions) {
    super();
    this.tickMs = opts.tickMs ?? 1000;
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 3000;
    this.handbackAfterMs = opts.handbackAfterMs ?? 5_000;
    this.appName = leaseApplicationName(opts.instance, opts.region);
  }

  get connected(): boolean {
    return this.client !== undefined && !this.connecting;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
    this.tickTimer = setInterval(() => void this.tick(), this.tickMs);
    this.tickTimer.unref();
  }

  /** Ends the lease connection: every lock we hold frees at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.reconnectTimer);
    await this.ticking;
    const c = this.client;
    this.client = undefined;
    for (const w of this.watched.values()) w.state = 'waiting';
    if (c) await c.end().catch(() => undefined);
  }

  watch(target: LeaseTarget): void {
    if (this.watched.has(target.pbxId)) return;
    const key = ingestLeaseKey(target.pbxId);
    this.watched.set(target.pbxId, {
      target,
      key: key.toString(),
      ...pgLocksIds(key),
      state: 'waiting',
      freeTicks: 0,
      sticky: false,
      holder: null,
      since: null,
      acquisitions: 0,
      homeSeenSince: null,
      handedBackAt: null,
      noHandbackUntil: 0,
    });
    this.poke();
  }

  /** Stops bidding for a PBX, releasing its lock if we hold it. */
  async unwatch(pbxId: string): Promise<void> {
    const w = this.watched.get(pbxId);
    if (!w) return;
    this.watched.delete(pbxId);
    if (w.state === 'owner') await this.unlock(w);
  }

  /** The hold on an unproven lease was given up (too long, too many events): bid like anyone else. */
  abandon(pbxId: string): void {
    const w = this.watched.get(pbxId);
    if (!w || w.state !== 'unproven') return;
    w.state = 'waiting';
    w.sticky = false;
    w.since = null;
  }

  state(pbxId: string): LeaseState {
    return this.watched.get(pbxId)?.state ?? 'waiting';
  }

  status(pbxId: string): LeaseStatus {
    const w = this.watched.get(pbxId);
    return {
      state: w?.state ?? 'waiting',
      connection: this.connected ? 'up' : 'down',
      holder: w?.state === 'owner' ? this.opts.instance : (w?.holder ?? null),
      since: w?.since?.toISOString() ?? null,
      acquisitions: w?.acquisitions ?? 0,
    };
  }

  /** Runs a tick soon (a PBX became reachable, a PBX was added). */
  poke(): void {
    if (!this.stopped) setImmediate(() => void this.tick());
  }

  // ---- the connection ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.stopped || this.client || this.connecting) return;
    this.connecting = true;
    const client = new pg.Client({
      connectionString: this.opts.databaseUrl,
      application_name: this.appName,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1000,
      connectionTimeoutMillis: this.queryTimeoutMs,
      query_timeout: this.queryTimeoutMs,
    });
    client.on('error', (e) => this.dropped(client, e.message));
    client.on('end', () => this.dropped(client, 'connection ended'));
    try {
      await client.connect();
      for (const sql of SERVER_KEEPALIVE_SQL) await client.query(sql).catch(() => undefined); // PG < 12: no tcp_user_timeout
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (this.stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      this.ownPid = rows[0].pid;
      this.client = client;
      this.reconnectDelay = RECONNECT_MIN_MS;
      if (this.lastError !== undefined)
        this.opts.logger.info({ pid: this.ownPid }, 'Ingest lease connection to PostgreSQL is back');
      this.lastError = undefined;
    } catch (e) {
      this.lastError = (e as Error).message;
      destroy(client);
      this.scheduleReconnect();
    } finally {
      this.connecting = false;
    }
    if (this.client) this.poke();
  }

  private dropped(client: pg.Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.everDropped = true;
    this.lastError = reason;
    destroy(client);
    if (this.stopped) return;
    this.opts.logger.warn({ reason }, 'Ingest lease connection to PostgreSQL lost');
    for (const w of this.watched.values()) {
      w.freeTicks = 0;
      if (w.state !== 'owner') continue;
      w.state = 'unproven';
      w.sticky = true;
      this.emit('unproven', w.target.pbxId, !this.othersSeen);
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  // ---- the tick ---------------------------------------------------------------------------------

  private tick(): Promise<void> {
    if (this.stopped || this.ticking) return this.ticking ?? Promise.resolve();
    this.ticking = this.runTick().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const client = this.client;
    if (!client || this.watched.size === 0) {
      if (!client) void this.connect();
      return;
    }
    const all = [...this.watched.values()];
    let rows: { i: string; pid: number | null; app: string | null }[];
    let sessions: { app: string; pid: number }[];
    try {
      rows = (
        await client.query<{ i: string; pid: number | null; app: string | null }>(
          `SELECT k.i::text AS i, l.pid, a.application_name AS app
             FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS k(classid, objid, i)
             LEFT JOIN pg_locks l
               ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid::bigint = k.classid AND l.objid::bigint = k.objid
             LEFT JOIN pg_stat_activity a ON a.pid = l.pid`,
          [all.map((w) => w.classid), all.map((w) => w.objid)],
        )
      ).rows;
      sessions = (
        await client.query<{ app: string; pid: number }>(
          `SELECT application_name AS app, pid FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE $1`,
          [`${LEASE_APP_PREFIX}%`],
        )
      ).rows;
    } catch (e) {
      // A lease connection that cannot answer cannot prove anything: treat it as gone.
      this.dropped(client, `lease query failed: ${(e as Error).message}`);
      return;
    }
    const others = sessions.filter((s) => s.pid !== this.ownPid);
    this.othersSeen = others.length > 0;
    this.everSawOthers ||= this.othersSeen;
    const regionsPresent = new Set(others.map((s) => parseLeaseApplicationName(s.app)?.region ?? null));
    // A lone instance that never saw another one (a plain start) need not wait for anybody.
    const uncontested = !this.everDropped && !this.everSawOthers;
    const now = Date.now();
    for (const row of rows) {
      const w = all[Number(row.i) - 1];
      if (!w || this.watched.get(w.target.pbxId) !== w || this.client !== client) continue;
      try {
        await this.step(client, w, row.pid, row.app, { uncontested, regionsPresent, now });
      } catch (e) {
        this.dropped(client, `lease query failed: ${(e as Error).message}`);
        return;
      }
    }
  }

  private async step(
    client: pg.Client,
    w: Watched,
    pid: number | null,
    app: string | null,
    ctx: { uncontested: boolean; regionsPresent: Set<string | null>; now: number },
  ): Promise<void> {
    const pbxRegion = w.target.region;
    const home = this.opts.region === null || pbxRegion === null || this.opts.region === pbxRegion;
    if (pid === this.ownPid) {
      w.freeTicks = 0;
      if (w.state !== 'owner') this.acquired(w); // cannot happen; keep the books straight
      if (!home && ctx.regionsPresent.has(pbxRegion) && ctx.now >= w.noHandbackUntil) {
        w.homeSeenSince ??= ctx.now;
        if (ctx.now - w.homeSeenSince >= this.handbackAfterMs) {
          await this.unlock(w);
          w.handedBackAt = ctx.now;
          this.lose(w, `handed back to an instance of region ${pbxRegion}`);
        }
      } else {
        w.homeSeenSince = null;
      }
      return;
    }
    if (pid !== null) {
      w.freeTicks = 0;
      const who = parseLeaseApplicationName(app);
      w.holder = who ? `${who.instance}${who.region ? ` (${who.region})` : ''}` : `pid ${pid}`;
      if (w.state !== 'waiting') this.lose(w, `taken over by ${w.holder}`);
      return;
    }
    // Free.
    w.holder = null;
    w.freeTicks++;
    if (w.state === 'owner') {
      this.lose(w, 'the lock vanished from pg_locks');
      return;
    }
    if (!w.target.canIngest()) return;
    const need = w.sticky || ctx.uncontested ? 1 : home ? 2 : 3;
    if (w.freeTicks < need) return;
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      w.key,
    ]);
    if (rows[0]?.ok) this.acquired(w);
  }

  private acquired(w: Watched): void {
    const reclaimed = w.state === 'unproven';
    w.state = 'owner';
    w.sticky = false;
    w.freeTicks = 0;
    w.holder = null;
    w.since = new Date();
    w.homeSeenSince = null;
    w.acquisitions++;
    if (w.handedBackAt !== null && Date.now() - w.handedBackAt < HANDBACK_RETAKEN_MS) {
      // We handed it back and had to take it again: the home instance cannot ingest it; not again soon.
      w.noHandbackUntil = Date.now() + HANDBACK_PAUSE_MS;
    }
    w.handedBackAt = null;
    this.emit('acquired', w.target.pbxId, reclaimed);
  }

  private lose(w: Watched, reason: string): void {
    w.state = 'waiting';
    w.sticky = false;
    w.since = null;
    w.homeSeenSince = null;
    this.emit('lost', w.target.pbxId, reason);
  }

  private async unlock(w: Watched): Promise<void> {
    const c = this.client;
    if (!c) return;
    await c.query('SELECT pg_advisory_unlock($1::bigint)', [w.key]).catch(() => undefined);
  }
}

/** Drops a client's socket without waiting for a goodbye the server may never answer. */
function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
  client.end().catch(() => undefined);
}

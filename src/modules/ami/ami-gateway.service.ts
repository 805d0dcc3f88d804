import { EventEmitter } from 'node:events';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import type { AmiMessage } from '../../protocol/ami/ami-message.js';
import type { AmiFields } from '../../protocol/ami/ami-serializer.js';
import { HealthService } from '../health/health.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PbxService } from '../pbx/pbx.service.js';
import type { Pbx } from '../pbx/pbx.entity.js';
import { AmiError, AmiErrorCode } from './client/ami-client.exception.js';
import type { AmiActionResult, AmiLogger } from './client/ami-client.js';
import { EmbeddedPbx } from './embedded-pbx.js';
import { IngestLeases, type LeaseStatus } from './ingest-lease.js';
import { PbxLink, type PbxLinkStatus } from './pbx-link.js';

export type { AmiActionResult } from './client/ami-client.js';

interface GatewayEvents {
  /**
   * Every event of every PBX this instance ingests, with when it arrived (events held while the
   * ingest lease was unproven arrive late, with their own arrival time). Listeners run on the AMI
   * read path: keep them cheap.
   */
  event: [pbxId: string, msg: AmiMessage, at: Date];
  /** This instance ingests the PBX and both sessions are logged in (first connect and every reconnect): rebuild state now. */
  ready: [pbxId: string];
  down: [pbxId: string, reason: string];
  /**
   * This instance no longer ingests the PBX (another instance took it over, it was handed back,
   * the PBX was removed): forget its live state. If this instance ingests it again later, that
   * starts from the PBX's lists as a takeover does.
   */
  released: [pbxId: string, reason: string];
}

/**
 * Events received while the lease is unproven and other instances exist, replayed if we get it
 * back: bounded in count (~6 minutes of the busy hour) and time.
 */
const HOLD_MAX_EVENTS = 100_000;
const HOLD_MAX_MS = 10 * 60_000;
/** Other instances add, change and remove PBXes too: the registry is re-read this often. */
const REGISTRY_RESYNC_MS = 30_000;

interface Held {
  readonly events: { msg: AmiMessage; at: Date }[];
  readonly since: Date;
  readonly timer: NodeJS.Timeout;
  /** The link went down (and maybe up) meanwhile: consumers resync after the replay. */
  linkDown: string | null;
}

interface LinkEntry {
  readonly pbx: Pbx;
  readonly link: PbxLink;
  held: Held | null;
}

/** Lease states as /health shows them: `unproven` splits into holding events or going on alone. */
type LeaseView = LeaseStatus & { heldEvents?: number; alone?: boolean };

/**
 * The AMI gateway: one supervised link per enabled PBX, opened at start and kept in step with the
 * PBX registry. Every instance keeps an actions session with every PBX (commands from any
 * instance reach the right PBX); only the instance holding a PBX's ingest lease (a PostgreSQL
 * advisory lock, see ingest-lease.ts) opens its events session and emits its events, so each
 * PBX's stream is ingested exactly once. Other modules subscribe to events, and send actions
 * through `action()`, which maps link failures to coded AppErrors.
 *
 * When the lease connection drops, this instance can no longer prove it owns its PBXes. If other
 * instances were connected, one of them may take over: it stops emitting their events at once and
 * holds what arrives (bounded). If it gets the lease back, it replays the held events with their
 * arrival times and nothing was lost; if another instance took it, they are dropped and that
 * instance rebuilds from the PBX's lists. If it was alone, nobody can take over: it goes on (with one
 * instance a database outage changes nothing here), and releases the PBX if, once the database is
 * back, it finds the lease taken by an instance that started meanwhile.
 */
@Injectable()
export class AmiGatewayService
  extends EventEmitter<GatewayEvents>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(AmiGatewayService.name);
  private readonly links = new Map<string, LinkEntry>();
  private readonly eventsReceived;
  private readonly linkUp;
  private readonly actionSeconds;
  private readonly ingestOwner;
  private readonly ingestAcquired;
  private readonly leases: IngestLeases;
  private syncing: Promise<void> = Promise.resolve();
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly pbxes: PbxService,
    private readonly health: HealthService,
    private readonly embedded: EmbeddedPbx,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.setMaxListeners(50);
    this.ingestOwner = metrics.gauge({
      name: 'switchboard_ami_ingest_owner',
      help: '1 while this instance ingests the PBX event stream (holds its ingest lease)',
      labelNames: ['pbx'],
    });
    this.ingestAcquired = metrics.counter({
      name: 'switchboard_ami_ingest_acquisitions_total',
      help: 'Times this instance took the ingest lease of the PBX (start, takeover, reclaim)',
      labelNames: ['pbx'],
    });
    const log = this.amiLogger('ingest-lease');
    this.leases = new IngestLeases({
      // bootstrap.ts sets it before the app is built (embedded PostgreSQL included)
      databaseUrl: config.database.url ?? '',
      instance: config.instance.name,
      region: config.instance.region,
      logger: log,
    });
    this.leases.on('acquired', (id, reclaimed) => this.onAcquired(id, reclaimed));
    this.leases.on('unproven', (id, alone) => this.onUnproven(id, alone));
    this.leases.on('lost', (id, reason) => void this.onLost(id, reason));
    this.eventsReceived = metrics.counter({
      name: 'switchboard_ami_events_received_total',
      help: 'AMI events received on the events session',
      labelNames: ['pbx'],
    });
    this.linkUp = metrics.gauge({
      name: 'switchboard_ami_link_up',
      help: '1 when the session is logged in',
      labelNames: ['pbx', 'session'],
    });
    this.actionSeconds = metrics.histogram({
      name: 'switchboard_ami_action_duration_seconds',
      help: 'AMI action latency, by outcome',
      labelNames: ['pbx', 'action', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    });
    this.pbxes.on('changed', () => this.sync());
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register('ingest-lease', () => ({
      status: this.leases.connected ? 'up' : 'degraded',
      instance: this.config.instance.name,
      region: this.config.instance.region,
      ingesting: [...this.links.values()].filter((e) => this.ingesting(e.pbx.id)).map((e) => e.pbx.name),
      ...(this.leases.error ? { lastError: this.leases.error } : {}),
    }));
    this.leases.start();
    await this.embedded.ensure();
    await this.sync();
    this.resyncTimer = setInterval(() => void this.sync(), REGISTRY_RESYNC_MS);
    this.resyncTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    await this.syncing;
    for (const e of this.links.values()) this.dropHold(e);
    await Promise.all([...this.links.values()].map((e) => e.link.stop()));
    // Ending the lease connection frees every lock we hold: another instance takes over at once.
    await this.leases.stop();
    this.links.clear();
    await this.embedded.stop();
  }

  /** This instance ingests the PBX and both its sessions are logged in. */
  isReady(pbxId: string): boolean {
    const e = this.links.get(pbxId);
    return e !== undefined && e.held === null && e.link.ready;
  }

  /** The actions session of the PBX is logged in: an action can be sent from this instance. */
  canAct(pbxId: string): boolean {
    return this.links.get(pbxId)?.link.canAct ?? false;
  }

  /** This instance ingests the PBX: it holds its lease (or lost its lease connection while alone). */
  ingesting(pbxId: string): boolean {
    const state = this.leases.state(pbxId);
    return state === 'owner' || (state === 'unproven' && this.links.get(pbxId)?.held === null);
  }

  leaseStatus(pbxId: string): LeaseStatus {
    return this.leases.status(pbxId);
  }

  statuses(): PbxLinkStatus[] {
    return [...this.links.values()].map((e) => e.link.status());
  }

  /** Sends an action to a PBX; PBX_UNAVAILABLE when its link is down, PBX_REJECTED with Asterisk's Message. */
  async action(
    pbxId: string,
    name: string,
    fields?: AmiFields,
    opts?: { timeoutMs?: number },
  ): Promise<AmiActionResult> {
    const link = this.links.get(pbxId)?.link;
    if (!link)
      throw new AppError(ErrorCode.PBX_UNAVAILABLE, `PBX ${pbxId} has no AMI link (unknown or disabled)`);
    const pbx = link.endpoint.name;
    const end = this.actionSeconds.startTimer({ pbx, action: name });
    try {
      const result = await link.action(name, fields, opts);
      end({ outcome: 'success' });
      return result;
    } catch (e) {
      if (!(e instanceof AmiError)) throw e;
      end({ outcome: e.code === AmiErrorCode.ACTION_FAILED ? 'rejected' : 'unavailable' });
      if (e.code === AmiErrorCode.ACTION_FAILED) {
        throw new AppError(ErrorCode.PBX_REJECTED, e.amiMessage ?? `${name} failed`, [
          { field: 'asterisk', message: e.amiMessage ?? '' },
        ]);
      }
      throw new AppError(ErrorCode.PBX_UNAVAILABLE, `PBX ${pbx} is unavailable: ${e.code} (${name})`);
    }
  }

  /** Opens links for enabled PBXes that have none, rebuilds changed ones, closes the rest. Serialised. */
  private sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.doSync())
      .catch((e: unknown) => {
        this.logger.error({ err: e }, 'Could not sync AMI links with the PBX registry');
      });
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map<string, Pbx>(
      (await this.pbxes.list()).filter((p) => p.enabled).map((p) => [p.id, p]),
    );
    for (const [id, entry] of this.links) {
      const pbx = wanted.get(id);
      const endpoint = pbx && this.pbxes.endpoint(pbx);
      const same =
        endpoint &&
        JSON.stringify(endpoint) === JSON.stringify(entry.link.endpoint) &&
        pbx.region === entry.pbx.region;
      if (!same) {
        await this.closeLink(id, entry);
      }
    }
    for (const [id, pbx] of wanted) if (!this.links.has(id)) this.openLink(pbx);
  }

  private openLink(pbx: Pbx): void {
    const endpoint = this.pbxes.endpoint(pbx);
    // The events session opens when this instance takes the ingest lease (onAcquired).
    const link = new PbxLink(endpoint, { ingest: false, logger: this.amiLogger(pbx.name) });
    const entry: LinkEntry = { pbx, link, held: null };
    const counter = this.eventsReceived.labels({ pbx: pbx.name });
    link.on('event', (msg) => {
      counter.inc();
      const at = new Date();
      const held = entry.held;
      if (held === null) {
        this.emit('event', pbx.id, msg, at);
      } else if (held.events.length < HOLD_MAX_EVENTS) {
        held.events.push({ msg, at });
      } else {
        void this.giveUpHold(entry, `more than ${HOLD_MAX_EVENTS} events held`);
      }
    });
    link.on('ready', () => {
      if (entry.held !== null) return; // replayed with the held events
      this.logger.log({ pbx: pbx.name }, 'AMI link ready (events and actions sessions logged in)');
      this.emit('ready', pbx.id);
    });
    link.on('down', (reason) => {
      if (entry.held !== null) {
        entry.held.linkDown ??= reason;
        return;
      }
      this.logger.warn({ pbx: pbx.name, reason }, 'AMI link down');
      this.emit('down', pbx.id, reason);
    });
    const gauges = {
      actions: this.linkUp.labels({ pbx: pbx.name, session: 'actions' }),
      events: this.linkUp.labels({ pbx: pbx.name, session: 'events' }),
    };
    gauges.actions.set(0);
    gauges.events.set(0);
    link.actions.on('state', (s) => {
      gauges.actions.set(s === 'ready' ? 1 : 0);
      if (s === 'ready') this.leases.poke(); // reachable again: bid for the lease now
    });
    link.on('events-session', (client) => {
      gauges.events.set(0);
      client?.on('state', (s) => gauges.events.set(s === 'ready' ? 1 : 0));
    });
    this.ingestOwner.labels({ pbx: pbx.name }).set(0);
    this.links.set(pbx.id, entry);
    this.health.register(`ami:${pbx.name}`, () => this.linkHealth(entry));
    link.start();
    this.leases.watch({ pbxId: pbx.id, name: pbx.name, region: pbx.region, canIngest: () => link.canAct });
  }

  private linkHealth(entry: LinkEntry) {
    const { link, pbx } = entry;
    const lease = this.leases.status(pbx.id);
    const ingesting = this.ingesting(pbx.id);
    // A non-ingesting instance needs only its actions session; the ingester needs both.
    const up = ingesting ? link.ready && entry.held === null : link.canAct;
    return {
      status: lease.state === 'unproven' ? ('degraded' as const) : up ? ('up' as const) : ('down' as const),
      simulated: pbx.source === 'simulator',
      ...link.status(),
      ingesting,
      lease: {
        ...lease,
        ...(entry.held ? { heldEvents: entry.held.events.length } : {}),
        ...(lease.state === 'unproven' && !entry.held ? { alone: true } : {}),
      } satisfies LeaseView,
    };
  }

  // ---- the ingest lease ---------------------------------------------------------------------------

  private onAcquired(pbxId: string, reclaimed: boolean): void {
    const entry = this.links.get(pbxId);
    if (!entry) return;
    const name = entry.pbx.name;
    this.ingestOwner.labels({ pbx: name }).set(1);
    this.ingestAcquired.labels({ pbx: name }).inc();
    const held = entry.held;
    if (reclaimed && held !== null && entry.link.ingesting) {
      entry.held = null;
      clearTimeout(held.timer);
      this.logger.log(
        { pbx: name, events: held.events.length, heldMs: Date.now() - held.since.getTime() },
        'Ingest lease reclaimed: replaying the events held meanwhile',
      );
      for (const { msg, at } of held.events) this.emit('event', pbxId, msg, at);
      if (held.linkDown !== null) {
        this.emit('down', pbxId, held.linkDown);
        if (entry.link.ready) this.emit('ready', pbxId);
      }
      return;
    }
    this.dropHold(entry);
    if (entry.link.ingesting) {
      this.logger.log({ pbx: name, reclaimed }, 'Ingest lease confirmed');
      return;
    }
    this.logger.log({ pbx: name }, 'Ingest lease taken: opening the events session');
    void entry.link.setIngest(true);
  }

  private onUnproven(pbxId: string, alone: boolean): void {
    const entry = this.links.get(pbxId);
    if (!entry || entry.held !== null) return;
    if (alone) {
      this.logger.warn(
        { pbx: entry.pbx.name },
        'Ingest lease unproven (lease connection lost); no other instance was connected: ingesting on',
      );
      return;
    }
    this.ingestOwner.labels({ pbx: entry.pbx.name }).set(0);
    const timer = setTimeout(
      () => void this.giveUpHold(entry, `lease not back within ${HOLD_MAX_MS / 1000} s`),
      HOLD_MAX_MS,
    );
    timer.unref();
    entry.held = { events: [], since: new Date(), timer, linkDown: null };
    this.logger.warn(
      { pbx: entry.pbx.name },
      'Ingest lease unproven (lease connection lost): holding this PBX events until it is back',
    );
  }

  private async onLost(pbxId: string, reason: string): Promise<void> {
    const entry = this.links.get(pbxId);
    if (!entry) return;
    this.ingestOwner.labels({ pbx: entry.pbx.name }).set(0);
    const dropped = this.dropHold(entry);
    this.logger.warn({ pbx: entry.pbx.name, reason, droppedEvents: dropped }, 'Ingest lease lost');
    await entry.link.setIngest(false);
    this.emit('released', pbxId, reason);
  }

  private async giveUpHold(entry: LinkEntry, reason: string): Promise<void> {
    if (entry.held === null) return;
    this.leases.abandon(entry.pbx.id);
    await this.onLost(entry.pbx.id, `gave up holding events: ${reason}`);
  }

  /** Forgets held events (we are not going to replay them); how many there were. */
  private dropHold(entry: LinkEntry): number {
    const held = entry.held;
    if (held === null) return 0;
    entry.held = null;
    clearTimeout(held.timer);
    return held.events.length;
  }

  private async closeLink(id: string, entry: LinkEntry): Promise<void> {
    this.links.delete(id);
    this.health.unregister(`ami:${entry.link.endpoint.name}`);
    this.dropHold(entry);
    entry.link.removeAllListeners();
    await this.leases.unwatch(id);
    this.ingestOwner.labels({ pbx: entry.pbx.name }).set(0);
    await entry.link.stop();
    this.emit('down', id, 'link closed: PBX removed, disabled or changed');
    this.emit('released', id, 'link closed: PBX removed, disabled or changed');
  }

  private amiLogger(pbx: string): AmiLogger {
    const log = new Logger(`Ami:${pbx}`);
    return {
      debug: (obj, msg) => log.debug({ pbx, ...obj }, msg),
      info: (obj, msg) => log.log({ pbx, ...obj }, msg),
      warn: (obj, msg) => log.warn({ pbx, ...obj }, msg),
      error: (obj, msg) => log.error({ pbx, ...obj }, msg),
    };
  }
}

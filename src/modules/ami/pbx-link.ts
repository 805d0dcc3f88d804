import { EventEmitter } from 'node:events';
import type { AmiMessage } from '../../protocol/ami/ami-message.js';
import type { AmiFields } from '../../protocol/ami/ami-serializer.js';
import {
  AmiClient,
  type AmiActionResult,
  type AmiClientOptions,
  type AmiLogger,
} from './client/ami-client.js';
import { EVENT_CLASSES, EVENT_FILTERS } from './ami-events.js';
import type { PbxEndpoint } from '../pbx/pbx.service.js';

export interface PbxLinkOptions {
  /** Open the events session at once (false on an instance that only sends actions to this PBX; see setIngest). */
  ingest: boolean;
  logger: AmiLogger;
  actionTimeoutMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  authFailureDelayMs?: number;
}

export interface PbxLinkStatus {
  pbxId: string;
  name: string;
  ingest: boolean;
  events?: {
    state: string;
    connects: number;
    reconnects: number;
    eventsReceived: number;
    lastEventAgeMs?: number;
    lastError?: string;
  };
  actions: { state: string; connects: number; reconnects: number; pending: number; lastError?: string };
}

/**
 * The two AMI sessions Switchboard keeps with one PBX: one that only receives events, one that
 * only sends actions (`Events: off`), so that a slow action never holds events back and an event
 * flood never delays an action's response.
 *
 * Emits 'event' for each event of the events session, and 'ready' each time both sessions are
 * logged in again after either (re)connected: consumers rebuild their state then. The events
 * session exists only while this instance ingests the PBX (see the ingest lease): without it the
 * link only sends actions and is never 'ready'.
 */
export class PbxLink extends EventEmitter<{
  event: [AmiMessage];
  ready: [];
  down: [string];
  /** The events session was opened (ingest on) or closed (ingest off). */
  'events-session': [AmiClient | undefined];
}> {
  private eventsClient?: AmiClient;
  readonly actions: AmiClient;
  private wasReady = false;
  private started = false;
  private readonly common: Omit<AmiClientOptions, 'name' | 'events' | 'filters'>;

  constructor(
    readonly endpoint: PbxEndpoint,
    readonly options: PbxLinkOptions,
  ) {
    super();
    this.common = {
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      secret: endpoint.secret,
      logger: options.logger,
      actionTimeoutMs: options.actionTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs,
      reconnect: options.reconnect,
      authFailureDelayMs: options.authFailureDelayMs,
    };
    this.actions = new AmiClient({ ...this.common, name: `${endpoint.name}/actions`, events: 'off' });
    this.watch(this.actions);
    if (options.ingest) this.openEvents();
  }

  get events(): AmiClient | undefined {
    return this.eventsClient;
  }

  /** True while this link has an events session (this instance ingests the PBX). */
  get ingesting(): boolean {
    return this.eventsClient !== undefined;
  }

  /** Both sessions logged in: only an ingesting link is ever ready. */
  get ready(): boolean {
    return this.actions.state === 'ready' && this.eventsClient?.state === 'ready';
  }

  /** The actions session is logged in: actions can be sent. */
  get canAct(): boolean {
    return this.actions.state === 'ready';
  }

  start(): void {
    this.started = true;
    this.actions.start();
    this.eventsClient?.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([this.actions.stop(), this.eventsClient?.stop()]);
  }

  /**
   * Opens or closes the events session. Closing it emits 'down' (when the link was ready) before
   * anything else, so consumers stop trusting their state at once.
   */
  async setIngest(on: boolean): Promise<void> {
    if (on === this.ingesting) return;
    if (on) {
      this.openEvents();
      if (this.started) this.eventsClient!.start();
      return;
    }
    const client = this.eventsClient!;
    this.eventsClient = undefined;
    client.removeAllListeners();
    if (this.wasReady) {
      this.wasReady = false;
      this.emit('down', 'ingest stopped on this instance');
    }
    this.emit('events-session', undefined);
    await client.stop();
  }

  action(name: string, fields?: AmiFields, opts?: { timeoutMs?: number }): Promise<AmiActionResult> {
    return this.actions.action(name, fields, opts);
  }

  private openEvents(): void {
    const client = new AmiClient({
      ...this.common,
      name: `${this.endpoint.name}/events`,
      events: EVENT_CLASSES,
      filters: EVENT_FILTERS,
    });
    client.on('event', (msg) => this.emit('event', msg));
    this.eventsClient = client;
    this.watch(client);
    this.emit('events-session', client);
  }

  private watch(client: AmiClient): void {
    client.on('ready', () => this.checkReady());
    client.on('down', (reason) => {
      if (this.wasReady) this.emit('down', reason);
      this.wasReady = false;
    });
  }

  status(now = Date.now()): PbxLinkStatus {
    const a = this.actions.stats;
    const events = this.eventsClient;
    const e = events?.stats;
    return {
      pbxId: this.endpoint.id,
      name: this.endpoint.name,
      ingest: this.ingesting,
      events:
        events && e
          ? {
              state: events.state,
              connects: e.connects,
              reconnects: e.reconnects,
              eventsReceived: e.eventsReceived,
              lastEventAgeMs: e.lastEventAt === undefined ? undefined : Math.round(now - e.lastEventAt),
              lastError: e.lastError,
            }
          : undefined,
      actions: {
        state: this.actions.state,
        connects: a.connects,
        reconnects: a.reconnects,
        pending: this.actions.pendingActions,
        lastError: a.lastError,
      },
    };
  }

  private checkReady(): void {
    if (this.ready && !this.wasReady) {
      this.wasReady = true;
      this.emit('ready');
    }
  }
}

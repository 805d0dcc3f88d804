import { EventEmitter } from 'node:events';
import type { AmiMessage } from '../../protocol/ami/ami-message.js';
import type { AmiFields } from '../../protocol/ami/ami-serializer.js';
import { AmiClient, type AmiActionResult, type AmiLogger } from './client/ami-client.js';
import { EVENT_CLASSES, EVENT_FILTERS } from './ami-events.js';
import type { PbxEndpoint } from '../pbx/pbx.service.js';

export interface PbxLinkOptions {
  /** Open the events session too (false on an instance that only sends actions to this PBX). */
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
 * logged in again after either (re)connected: consumers rebuild their state then.
 */
export class PbxLink extends EventEmitter<{ event: [AmiMessage]; ready: []; down: [string] }> {
  readonly events?: AmiClient;
  readonly actions: AmiClient;
  private wasReady = false;

  constructor(
    readonly endpoint: PbxEndpoint,
    readonly options: PbxLinkOptions,
  ) {
    super();
    const common = {
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
    this.actions = new AmiClient({ ...common, name: `${endpoint.name}/actions`, events: 'off' });
    if (options.ingest) {
      this.events = new AmiClient({
        ...common,
        name: `${endpoint.name}/events`,
        events: EVENT_CLASSES,
        filters: EVENT_FILTERS,
      });
      this.events.on('event', (msg) => this.emit('event', msg));
    }
    for (const client of [this.actions, this.events]) {
      client?.on('ready', () => this.checkReady());
      client?.on('down', (reason) => {
        if (this.wasReady) this.emit('down', reason);
        this.wasReady = false;
      });
    }
  }

  get ready(): boolean {
    return this.actions.state === 'ready' && (!this.events || this.events.state === 'ready');
  }

  start(): void {
    this.actions.start();
    this.events?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.actions.stop(), this.events?.stop()]);
  }

  action(name: string, fields?: AmiFields, opts?: { timeoutMs?: number }): Promise<AmiActionResult> {
    return this.actions.action(name, fields, opts);
  }

  status(now = Date.now()): PbxLinkStatus {
    const a = this.actions.stats;
    const e = this.events?.stats;
    return {
      pbxId: this.endpoint.id,
      name: this.endpoint.name,
      ingest: this.options.ingest,
      events:
        this.events && e
          ? {
              state: this.events.state,
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

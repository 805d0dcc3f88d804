import { EventEmitter } from 'node:events';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, ErrorCode } from '../../common/errors/app-error.js';
import type { AmiMessage } from '../../protocol/ami/ami-message.js';
import type { AmiFields } from '../../protocol/ami/ami-serializer.js';
import { HealthService } from '../health/health.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PbxService } from '../pbx/pbx.service.js';
import type { Pbx } from '../pbx/pbx.entity.js';
import { AmiError, AmiErrorCode } from './client/ami-client.exception.js';
import type { AmiActionResult, AmiLogger } from './client/ami-client.js';
import { EmbeddedPbx } from './embedded-pbx.js';
import { PbxLink, type PbxLinkStatus } from './pbx-link.js';

export type { AmiActionResult } from './client/ami-client.js';

interface GatewayEvents {
  /** Every event of every PBX this instance ingests. Listeners run on the AMI read path: keep them cheap. */
  event: [pbxId: string, msg: AmiMessage];
  /** Both sessions of a PBX are logged in (first connect and every reconnect): rebuild state now. */
  ready: [pbxId: string];
  down: [pbxId: string, reason: string];
}

/**
 * The AMI gateway: one supervised link (an events session and an actions session) per enabled
 * PBX, opened at start and kept in step with the PBX registry. Other modules subscribe to
 * events, and send actions through `action()`, which maps link failures to coded AppErrors.
 */
@Injectable()
export class AmiGatewayService
  extends EventEmitter<GatewayEvents>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(AmiGatewayService.name);
  private readonly links = new Map<string, PbxLink>();
  private readonly eventsReceived;
  private readonly linkUp;
  private readonly actionSeconds;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly pbxes: PbxService,
    private readonly health: HealthService,
    private readonly embedded: EmbeddedPbx,
    metrics: MetricsService,
  ) {
    super();
    this.setMaxListeners(50);
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
    await this.embedded.ensure();
    await this.sync();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.syncing;
    await Promise.all([...this.links.values()].map((l) => l.stop()));
    this.links.clear();
    await this.embedded.stop();
  }

  isReady(pbxId: string): boolean {
    return this.links.get(pbxId)?.ready ?? false;
  }

  statuses(): PbxLinkStatus[] {
    return [...this.links.values()].map((l) => l.status());
  }

  /** Sends an action to a PBX; PBX_UNAVAILABLE when its link is down, PBX_REJECTED with Asterisk's Message. */
  async action(
    pbxId: string,
    name: string,
    fields?: AmiFields,
    opts?: { timeoutMs?: number },
  ): Promise<AmiActionResult> {
    const link = this.links.get(pbxId);
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
    for (const [id, link] of this.links) {
      const pbx = wanted.get(id);
      const endpoint = pbx && this.pbxes.endpoint(pbx);
      const same = endpoint && JSON.stringify(endpoint) === JSON.stringify(link.endpoint);
      if (!same) {
        await this.closeLink(id, link);
      }
    }
    for (const [id, pbx] of wanted) if (!this.links.has(id)) this.openLink(pbx);
  }

  private openLink(pbx: Pbx): void {
    const endpoint = this.pbxes.endpoint(pbx);
    const link = new PbxLink(endpoint, { ingest: true, logger: this.amiLogger(pbx.name) });
    const counter = this.eventsReceived.labels({ pbx: pbx.name });
    link.on('event', (msg) => {
      counter.inc();
      this.emit('event', pbx.id, msg);
    });
    link.on('ready', () => {
      this.logger.log({ pbx: pbx.name }, 'AMI link ready (events and actions sessions logged in)');
      this.emit('ready', pbx.id);
    });
    link.on('down', (reason) => {
      this.logger.warn({ pbx: pbx.name, reason }, 'AMI link down');
      this.emit('down', pbx.id, reason);
    });
    for (const [session, client] of [
      ['actions', link.actions],
      ['events', link.events],
    ] as const) {
      const gauge = this.linkUp.labels({ pbx: pbx.name, session });
      gauge.set(0);
      client?.on('state', (s) => gauge.set(s === 'ready' ? 1 : 0));
    }
    this.links.set(pbx.id, link);
    this.health.register(`ami:${pbx.name}`, () => {
      const status = link.status();
      return { status: link.ready ? 'up' : 'down', simulated: pbx.source === 'simulator', ...status };
    });
    link.start();
  }

  private async closeLink(id: string, link: PbxLink): Promise<void> {
    this.links.delete(id);
    this.health.unregister(`ami:${link.endpoint.name}`);
    link.removeAllListeners();
    await link.stop();
    this.emit('down', id, 'link closed: PBX removed, disabled or changed');
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

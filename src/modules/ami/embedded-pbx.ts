import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AmiSimulator } from '../../simulator/ami-simulator.js';
import { PbxService } from '../pbx/pbx.service.js';

/**
 * Decides at start which PBX comes from outside the registry API:
 * - AMI_HOST set: the settings PBX (its row kept in step with AMI_*, secret never stored);
 * - else, when no enabled PBX exists and EMBEDDED_SIMULATOR is `auto`: the PBX simulator,
 *   started inside the app in scripted mode, so a newcomer sees calls flow at once.
 */
@Injectable()
export class EmbeddedPbx {
  private readonly logger = new Logger(EmbeddedPbx.name);
  private simulator?: AmiSimulator;

  constructor(
    private readonly config: AppConfig,
    private readonly pbxes: PbxService,
  ) {}

  async ensure(): Promise<void> {
    const ami = this.config.ami;
    if (ami) {
      await this.pbxes.upsertManaged('settings', {
        name: 'default',
        amiHost: ami.host,
        amiPort: ami.port,
        amiUsername: ami.username,
        amiSecret: null,
      });
      await this.pbxes.disableManaged('simulator');
      return;
    }
    await this.pbxes.disableManaged('settings');
    const others = (await this.pbxes.list()).filter((p) => p.enabled && p.source === 'api');
    if (others.length > 0 || this.config.simulator.mode === 'off') {
      await this.pbxes.disableManaged('simulator');
      return;
    }
    const secret = randomBytes(16).toString('hex');
    this.simulator = new AmiSimulator({
      host: '127.0.0.1',
      port: 0,
      username: 'switchboard',
      secret,
      scripted: { callsPerSecond: this.config.simulator.callsPerMinute / 60, answerRatio: 0.6 },
    });
    const port = await this.simulator.start();
    await this.pbxes.upsertManaged('simulator', {
      name: 'simulator',
      amiHost: '127.0.0.1',
      amiPort: port,
      amiUsername: 'switchboard',
      amiSecret: secret,
    });
    this.logger.warn(
      { port, callsPerMinute: this.config.simulator.callsPerMinute },
      'No PBX is configured (AMI_HOST unset, no PBX in the registry): started the PBX simulator in scripted mode as PBX "simulator"',
    );
  }

  async stop(): Promise<void> {
    await this.simulator?.stop();
    this.simulator = undefined;
  }
}

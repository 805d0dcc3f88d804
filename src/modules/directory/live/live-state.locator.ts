import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DIRECTORY_LIVE_STATE, type DirectoryLiveState } from './live-agent-state.port.js';

/**
 * Finds whoever provides DIRECTORY_LIVE_STATE anywhere in the app, once the app is built (the
 * provider set does not change afterwards), so the directory needs no import of the calls module.
 */
@Injectable()
export class LiveStateLocator implements OnApplicationBootstrap {
  private provider: DirectoryLiveState | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    try {
      this.provider = this.moduleRef.get<DirectoryLiveState>(DIRECTORY_LIVE_STATE, { strict: false });
    } catch {
      this.provider = undefined; // nobody provides live state: members answer live: null
    }
  }

  get(): DirectoryLiveState | undefined {
    return this.provider;
  }
}

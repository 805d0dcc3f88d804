import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  type AgentDirectory,
  CALLS_AGENT_DIRECTORY,
  CALLS_CONTACT_MATCHER,
  CALLS_SUPERVISION,
  type ContactMatcher,
  type Supervision,
} from './calls.ports.js';

/**
 * Finds the providers of the calls module's ports anywhere in the app once it is built (the set
 * does not change afterwards), so the calls module imports neither the directory nor contacts
 * for them. A port nobody provides stays undefined, and the module says so once at start.
 */
@Injectable()
export class CallsPorts implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallsPorts.name);
  agentDirectory: AgentDirectory | undefined;
  contactMatcher: ContactMatcher | undefined;
  supervision: Supervision | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    this.agentDirectory = this.find<AgentDirectory>(CALLS_AGENT_DIRECTORY);
    this.contactMatcher = this.find<ContactMatcher>(CALLS_CONTACT_MATCHER);
    this.supervision = this.find<Supervision>(CALLS_SUPERVISION);
    const missing = [
      this.agentDirectory ? undefined : 'agent directory (CommEvents keep agentUserId null)',
      this.contactMatcher ? undefined : 'contact matcher (CommEvents keep contactId null)',
      this.supervision ? undefined : 'supervision (supervisors see only their own CommEvents)',
    ].filter((m) => m !== undefined);
    if (missing.length > 0) this.logger.warn({ missing }, 'Calls: some ports have no provider');
  }

  private find<T>(token: symbol): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }
}
